using KubeCloud.ControllerRuntime.Observability;

namespace KubeCloud.ControllerRuntime.Queue;

/// <summary>
/// client-go's rate-limiting work queue: keys are de-duplicated (an item added many times before it is taken is
/// processed once), an item is never processed by two workers at once (re-added while processing, it is queued
/// again when <see cref="Done"/> is called), delayed adds wait on the injectable clock, and <see cref="AddRateLimited"/>
/// asks the rate limiter how long to wait.
/// </summary>
public sealed class RateLimitingQueue<TKey> : IDisposable
    where TKey : notnull
{
    private readonly IRateLimiter<TKey> _rateLimiter;
    private readonly TimeProvider _time;
    private readonly Prometheus.Gauge.Child _depth;
    private readonly Prometheus.Counter.Child _adds;
    private readonly Prometheus.Counter.Child _retries;
    private readonly Prometheus.Histogram.Child _queueDuration;
    private readonly Prometheus.Histogram.Child _workDuration;
    private readonly Lock _gate = new();
    private readonly Queue<TKey> _queue = new();
    private readonly HashSet<TKey> _dirty = [];
    private readonly HashSet<TKey> _processing = [];
    private readonly Dictionary<TKey, long> _addedAt = [];
    private readonly Dictionary<TKey, long> _startedAt = [];
    private readonly Dictionary<TKey, DateTimeOffset> _waitingUntil = [];
    private readonly PriorityQueue<TKey, DateTimeOffset> _waiting = new();
    private readonly List<TaskCompletionSource> _getters = [];
    private readonly List<TaskCompletionSource> _drainers = [];
    private readonly ITimer _timer;
    private bool _shuttingDown;

    public RateLimitingQueue(string name, IRateLimiter<TKey>? rateLimiter = null, TimeProvider? time = null)
    {
        Name = name;
        _time = time ?? TimeProvider.System;
        _rateLimiter = rateLimiter ?? DefaultControllerRateLimiter.Create<TKey>(_time);
        _depth = RuntimeMetrics.QueueDepth.WithLabels(name);
        _adds = RuntimeMetrics.QueueAdds.WithLabels(name);
        _retries = RuntimeMetrics.QueueRetries.WithLabels(name);
        _queueDuration = RuntimeMetrics.QueueLatency.WithLabels(name);
        _workDuration = RuntimeMetrics.WorkDuration.WithLabels(name);
        _timer = _time.CreateTimer(_ => MoveReadyWaiters(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public string Name { get; }

    /// <summary>Items queued and not yet taken (the depth).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Items waiting for a delayed add to become due.</summary>
    public int WaitingCount
    {
        get
        {
            lock (_gate)
            {
                return _waitingUntil.Count;
            }
        }
    }

    public bool ShuttingDown
    {
        get
        {
            lock (_gate)
            {
                return _shuttingDown;
            }
        }
    }

    /// <summary>Queues the item unless it is already queued; ignored after shutdown.</summary>
    public void Add(TKey item)
    {
        lock (_gate)
        {
            AddLocked(item);
        }
    }

    /// <summary>Queues the item after <paramref name="delay"/>; an earlier pending delayed add of the same item wins.</summary>
    public void AddAfter(TKey item, TimeSpan delay)
    {
        lock (_gate)
        {
            if (_shuttingDown)
            {
                return;
            }

            if (delay <= TimeSpan.Zero)
            {
                AddLocked(item);
                return;
            }

            var readyAt = _time.GetUtcNow() + delay;
            if (_waitingUntil.TryGetValue(item, out var existing) && existing <= readyAt)
            {
                return;
            }

            _waitingUntil[item] = readyAt;
            _waiting.Enqueue(item, readyAt);
            ScheduleTimerLocked();
        }
    }

    /// <summary>Queues the item after the rate limiter's delay (a retry).</summary>
    public void AddRateLimited(TKey item)
    {
        _retries.Inc();
        AddAfter(item, _rateLimiter.When(item));
    }

    /// <summary>Stops the item's backoff: its next failure starts again from the base delay.</summary>
    public void Forget(TKey item) => _rateLimiter.Forget(item);

    public int NumRequeues(TKey item) => _rateLimiter.NumRequeues(item);

    /// <summary>
    /// Takes the next item, waiting for one. Returns <c>Shutdown = true</c> (and a default item) once the queue is shut
    /// down and empty. Call <see cref="Done"/> when finished with the item.
    /// </summary>
    public async Task<(TKey Item, bool Shutdown)> GetAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            TaskCompletionSource signal;
            lock (_gate)
            {
                if (_queue.Count > 0)
                {
                    var item = _queue.Dequeue();
                    _dirty.Remove(item);
                    _processing.Add(item);
                    _depth.Dec();
                    var now = _time.GetTimestamp();
                    if (_addedAt.Remove(item, out var addedAt))
                    {
                        _queueDuration.Observe(_time.GetElapsedTime(addedAt, now).TotalSeconds);
                    }

                    _startedAt[item] = now;
                    return (item, false);
                }

                if (_shuttingDown)
                {
                    return (default!, true);
                }

                signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _getters.Add(signal);
            }

            try
            {
                await signal.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                lock (_gate)
                {
                    _getters.Remove(signal);
                }

                throw;
            }
        }
    }

    /// <summary>Marks the item processed; if it was added again meanwhile, it is queued now.</summary>
    public void Done(TKey item)
    {
        lock (_gate)
        {
            if (!_processing.Remove(item))
            {
                return;
            }

            if (_startedAt.Remove(item, out var startedAt))
            {
                _workDuration.Observe(_time.GetElapsedTime(startedAt).TotalSeconds);
            }

            if (_dirty.Contains(item))
            {
                PushLocked(item);
            }

            SignalDrainersLocked();
        }
    }

    /// <summary>Stops accepting items and wakes every waiting <see cref="GetAsync"/>; queued items are still handed out.</summary>
    public void ShutDown()
    {
        lock (_gate)
        {
            _shuttingDown = true;
            _waiting.Clear();
            _waitingUntil.Clear();
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            WakeGettersLocked();
            SignalDrainersLocked();
        }
    }

    /// <summary>Shuts down, then waits until every queued item has been taken and every taken item is <see cref="Done"/>.</summary>
    public Task ShutDownWithDrainAsync(CancellationToken cancellationToken = default)
    {
        TaskCompletionSource drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _drainers.Add(drained);
        }

        ShutDown();
        return drained.Task.WaitAsync(cancellationToken);
    }

    public void Dispose()
    {
        ShutDown();
        _timer.Dispose();
    }

    private void AddLocked(TKey item)
    {
        if (_shuttingDown || !_dirty.Add(item))
        {
            return;
        }

        _adds.Inc();
        _addedAt.TryAdd(item, _time.GetTimestamp());
        if (_processing.Contains(item))
        {
            return;
        }

        PushLocked(item);
    }

    private void PushLocked(TKey item)
    {
        _queue.Enqueue(item);
        _depth.Inc();
        WakeGettersLocked();
    }

    private void WakeGettersLocked()
    {
        foreach (var getter in _getters)
        {
            getter.TrySetResult();
        }

        _getters.Clear();
    }

    private void SignalDrainersLocked()
    {
        if (_shuttingDown && _processing.Count == 0 && _queue.Count == 0)
        {
            foreach (var drainer in _drainers)
            {
                drainer.TrySetResult();
            }

            _drainers.Clear();
        }
    }

    private void MoveReadyWaiters()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            while (_waiting.TryPeek(out var item, out var readyAt) && readyAt <= now)
            {
                _waiting.Dequeue();
                if (_waitingUntil.TryGetValue(item, out var current) && current == readyAt)
                {
                    _waitingUntil.Remove(item);
                    AddLocked(item);
                }
            }

            ScheduleTimerLocked();
        }
    }

    private void ScheduleTimerLocked()
    {
        // Drop superseded entries (an item re-added with an earlier time leaves its later entry behind).
        while (_waiting.TryPeek(out var item, out var readyAt) && (!_waitingUntil.TryGetValue(item, out var current) || current != readyAt))
        {
            _waiting.Dequeue();
        }

        if (_waiting.TryPeek(out _, out var next))
        {
            var due = next - _time.GetUtcNow();
            _timer.Change(due > TimeSpan.Zero ? due : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }
        else
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

    }
}
