using KubeCloud.ControllerRuntime.Observability;
using KubeCloud.ControllerRuntime.Queue;
using Microsoft.Extensions.Logging;

namespace KubeCloud.ControllerRuntime.Controllers;

/// <summary>
/// Runs one reconciler: its event sources fill a de-duplicating rate-limited queue; once every source's cache has
/// synced, <see cref="Workers"/> workers take keys and reconcile them. A fresh queue is made on every run, so a
/// controller stopped on lost leadership starts clean when leadership returns.
/// </summary>
public sealed class Controller<T> : IRunnable
    where T : class
{
    private readonly IReconciler<T> _reconciler;
    private readonly IReadOnlyList<EventSource> _sources;
    private readonly Func<IRateLimiter<ReconcileRequest>> _rateLimiter;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Prometheus.Gauge.Child _activeWorkers;
    private readonly Prometheus.Counter.Child _reconcileErrors;
    private readonly Prometheus.Counter.Child _terminalErrors;
    private readonly Prometheus.Histogram.Child _reconcileTime;

    internal Controller(string name, IReconciler<T> reconciler, IReadOnlyList<EventSource> sources, int workers,
        Func<IRateLimiter<ReconcileRequest>> rateLimiter, ILogger logger, TimeProvider time)
    {
        Name = name;
        _reconciler = reconciler;
        _sources = sources;
        Workers = workers;
        _rateLimiter = rateLimiter;
        _logger = logger;
        _time = time;
        _activeWorkers = RuntimeMetrics.ActiveWorkers.WithLabels(name);
        _reconcileErrors = RuntimeMetrics.ReconcileErrors.WithLabels(name);
        _terminalErrors = RuntimeMetrics.TerminalReconcileErrors.WithLabels(name);
        _reconcileTime = RuntimeMetrics.ReconcileTime.WithLabels(name);
    }

    public string Name { get; }

    public int Workers { get; }

    /// <summary>The queue of the current run (null when not running); exposed for tests and diagnostics.</summary>
    public RateLimitingQueue<ReconcileRequest>? Queue { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var queue = new RateLimitingQueue<ReconcileRequest>(Name, _rateLimiter(), _time);
        Queue = queue;
        var registrations = _sources.Select(s => s.Register(queue)).ToList();
        try
        {
            _logger.LogInformation("Controller {Controller}: waiting for caches to sync", Name);
            await Task.WhenAll(_sources.Select(s => s.Informer.WaitForCacheSyncAsync(cancellationToken))).ConfigureAwait(false);
            _logger.LogInformation("Controller {Controller}: starting {Workers} workers", Name, Workers);
            var workers = Enumerable.Range(0, Workers).Select(_ => Task.Run(() => WorkAsync(queue, cancellationToken), CancellationToken.None)).ToList();
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Shutting down.
            }

            queue.ShutDown();
            await Task.WhenAll(workers).ConfigureAwait(false);
            _logger.LogInformation("Controller {Controller}: stopped", Name);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped before the caches synced.
        }
        finally
        {
            foreach (var registration in registrations)
            {
                registration.Dispose();
            }

            Queue = null;
        }
    }

    private async Task WorkAsync(RateLimitingQueue<ReconcileRequest> queue, CancellationToken cancellationToken)
    {
        while (true)
        {
            var (request, shutdown) = await queue.GetAsync(CancellationToken.None).ConfigureAwait(false);
            if (shutdown)
            {
                return;
            }

            try
            {
                if (!cancellationToken.IsCancellationRequested)
                {
                    await ReconcileOneAsync(queue, request, cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                queue.Done(request);
            }
        }
    }

    private async Task ReconcileOneAsync(RateLimitingQueue<ReconcileRequest> queue, ReconcileRequest request, CancellationToken cancellationToken)
    {
        _activeWorkers.Inc();
        var started = _time.GetTimestamp();
        string outcome;
        try
        {
            var result = await _reconciler.ReconcileAsync(request, cancellationToken).ConfigureAwait(false);
            if (result.RequeueAfter > TimeSpan.Zero)
            {
                queue.Forget(request);
                queue.AddAfter(request, result.RequeueAfter);
                outcome = "requeue_after";
            }
            else if (result.Requeue)
            {
                queue.AddRateLimited(request);
                outcome = "requeue";
            }
            else
            {
                queue.Forget(request);
                outcome = "success";
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            outcome = "canceled";
        }
        catch (TerminalReconcileException ex)
        {
            _logger.LogError(ex, "Controller {Controller}: reconcile of {Request} failed terminally; not retrying", Name, request);
            _terminalErrors.Inc();
            _reconcileErrors.Inc();
            queue.Forget(request);
            outcome = "error";
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var retries = queue.NumRequeues(request);
            _logger.LogError(ex, "Controller {Controller}: reconcile of {Request} failed (retry {Retry})", Name, request, retries + 1);
            _reconcileErrors.Inc();
            queue.AddRateLimited(request);
            outcome = "error";
        }
        finally
        {
            _activeWorkers.Dec();
        }

        if (outcome == "canceled")
        {
            return;
        }

        _reconcileTime.Observe(_time.GetElapsedTime(started).TotalSeconds);
        RuntimeMetrics.ReconcileTotal.WithLabels(Name, outcome).Inc();
    }
}
