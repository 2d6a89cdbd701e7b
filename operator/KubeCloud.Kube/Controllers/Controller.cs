using KubeCloud.Kube.Observability;
using KubeCloud.Kube.Queue;
using Microsoft.Extensions.Logging;

namespace KubeCloud.Kube.Controllers;

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
    private readonly KeyValuePair<string, object?> _controllerTag;

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
        _controllerTag = new("controller", name);
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
        RuntimeMetrics.ActiveWorkers.Add(1, _controllerTag);
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
            RuntimeMetrics.TerminalReconcileErrors.Add(1, _controllerTag);
            RuntimeMetrics.ReconcileErrors.Add(1, _controllerTag);
            queue.Forget(request);
            outcome = "error";
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var retries = queue.NumRequeues(request);
            _logger.LogError(ex, "Controller {Controller}: reconcile of {Request} failed (retry {Retry})", Name, request, retries + 1);
            RuntimeMetrics.ReconcileErrors.Add(1, _controllerTag);
            queue.AddRateLimited(request);
            outcome = "error";
        }
        finally
        {
            RuntimeMetrics.ActiveWorkers.Add(-1, _controllerTag);
        }

        if (outcome == "canceled")
        {
            return;
        }

        RuntimeMetrics.ReconcileTime.Record(_time.GetElapsedTime(started).TotalSeconds, _controllerTag);
        RuntimeMetrics.ReconcileTotal.Add(1, _controllerTag, new("result", outcome));
    }
}
