using System.Globalization;
using System.Threading.Channels;
using k8s;
using k8s.Models;
using KubeCloud.ControllerRuntime.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KubeCloud.ControllerRuntime.Events;

/// <summary>
/// Writes Events through the API from a background broadcaster, as client-go's: <see cref="Record"/> puts the event
/// on a bounded queue (<see cref="DefaultQueueCapacity"/>; a full queue drops the event with a warning) and returns at
/// once, so a reconciler never waits for the API server; one task drains the queue in order, de-duplicating into
/// series and rate limiting per object with an <see cref="EventCorrelator"/>. <see cref="DisposeAsync"/> writes what
/// is queued before it returns (giving up on what is left after <see cref="FlushTimeout"/>, e.g. when the API server
/// is unreachable).
/// </summary>
public sealed class EventRecorder : IEventRecorder, IAsyncDisposable, IDisposable
{
    public const int DefaultQueueCapacity = 1000;

    private readonly IKubeClient _client;
    private readonly string _reportingController;
    private readonly string _reportingInstance;
    private readonly TimeProvider _time;
    private readonly EventCorrelator _correlator;
    private readonly ILogger _logger;
    private readonly Channel<QueuedEvent> _queue;
    private readonly Task _draining;
    private readonly CancellationTokenSource _abandon = new();
    private long _dropped;

    public EventRecorder(IKubeClient client, string reportingController, string reportingInstance, ILogger? logger = null, TimeProvider? time = null, int queueCapacity = DefaultQueueCapacity)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentOutOfRangeException.ThrowIfLessThan(queueCapacity, 1);
        _client = client;
        _reportingController = reportingController;
        _reportingInstance = reportingInstance;
        _time = time ?? TimeProvider.System;
        _correlator = new EventCorrelator(time);
        _logger = logger ?? NullLogger.Instance;
        _queue = Channel.CreateBounded<QueuedEvent>(new BoundedChannelOptions(queueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite then fails instead of waiting
        });
        _draining = Task.Run(DrainAsync);
    }

    /// <summary>How long <see cref="DisposeAsync"/> keeps writing queued events.</summary>
    public TimeSpan FlushTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Events dropped because the queue was full or the recorder disposed.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public bool Record(IKubernetesObject<V1ObjectMeta> regarding, string type, string reason, string action, string note)
    {
        ArgumentNullException.ThrowIfNull(regarding);
        if (_queue.Writer.TryWrite(new QueuedEvent(regarding, type, reason, action, note, _time.GetUtcNow(), null)))
        {
            return true;
        }

        Interlocked.Increment(ref _dropped);
        _logger.LogWarning("Event {Reason} about {Name} dropped: the event queue is full or closed", reason, regarding.Metadata?.Name);
        return false;
    }

    public async Task RecordAsync(IKubernetesObject<V1ObjectMeta> regarding, string type, string reason, string action, string note, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(regarding);
        var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            await _queue.Writer.WriteAsync(new QueuedEvent(regarding, type, reason, action, note, _time.GetUtcNow(), written), cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            Interlocked.Increment(ref _dropped);
            return;
        }

        await written.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Completes when every event queued before the call has been written (or given up on).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var flushed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            await _queue.Writer.WriteAsync(new QueuedEvent(null, "", "", "", "", default, flushed), cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            await _draining.WaitAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        await flushed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops taking events without waiting: the queued ones are still written in the background.</summary>
    public void Dispose() => _queue.Writer.TryComplete();

    /// <summary>Stops taking events and writes the queued ones.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        try
        {
            await _draining.WaitAsync(FlushTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _logger.LogWarning("Events still queued after {Timeout}; giving up on them", FlushTimeout);
            await _abandon.CancelAsync().ConfigureAwait(false);
            await _draining.ConfigureAwait(false);
        }

        _abandon.Dispose();
    }

    private async Task DrainAsync()
    {
        await foreach (var queued in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            if (queued.Regarding is not null && !_abandon.IsCancellationRequested)
            {
                await WriteAsync(queued).ConfigureAwait(false);
            }

            queued.Written?.TrySetResult();
        }
    }

    private async Task WriteAsync(QueuedEvent e)
    {
        var (regarding, type, reason, action, note, observed, _) = e;
        var meta = regarding!.Metadata ?? new V1ObjectMeta();
        var key = new EventKey(meta.Uid ?? $"{regarding.Kind}/{meta.NamespaceProperty}/{meta.Name}", type, reason, action, note, _reportingController);
        var decision = _correlator.Correlate(key);
        var ns = string.IsNullOrEmpty(meta.NamespaceProperty) ? "default" : meta.NamespaceProperty;
        try
        {
            switch (decision.Kind)
            {
                case EventDecisionKind.Drop:
                    _logger.LogDebug("Event {Reason} about {Name} dropped by the rate limiter", reason, meta.Name);
                    return;
                case EventDecisionKind.IncrementSeries:
                    try
                    {
                        await _client.PatchAsync<Eventsv1Event>(decision.ExistingName!, ns, KubePatch.Merge(new Eventsv1Event
                        {
                            Series = new Eventsv1EventSeries { Count = decision.Count, LastObservedTime = observed.UtcDateTime },
                        }), cancellationToken: _abandon.Token).ConfigureAwait(false);
                        return;
                    }
                    catch (NotFoundException)
                    {
                        _correlator.Forget(key);
                    }

                    break;
            }

            var name = $"{meta.Name}.{observed.UtcTicks.ToString("x", CultureInfo.InvariantCulture)}";
            await _client.CreateAsync(new Eventsv1Event
            {
                Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
                EventTime = observed.UtcDateTime,
                Type = type,
                Reason = reason,
                Action = action,
                Note = note.Length > 1024 ? note[..1024] : note,
                ReportingController = _reportingController,
                ReportingInstance = _reportingInstance,
                Regarding = new V1ObjectReference
                {
                    ApiVersion = regarding.ApiVersion,
                    Kind = regarding.Kind,
                    Name = meta.Name,
                    NamespaceProperty = meta.NamespaceProperty,
                    Uid = meta.Uid,
                    ResourceVersion = meta.ResourceVersion,
                },
            }, cancellationToken: _abandon.Token).ConfigureAwait(false);
            _correlator.Created(key, name);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Best effort, as client-go: a failed write is logged and the broadcaster goes on with the next event.
            _logger.LogWarning(ex, "Could not record event {Reason} about {Name}", reason, meta.Name);
        }
    }

    private readonly record struct QueuedEvent(
        IKubernetesObject<V1ObjectMeta>? Regarding, string Type, string Reason, string Action, string Note, DateTimeOffset Observed, TaskCompletionSource? Written);
}
