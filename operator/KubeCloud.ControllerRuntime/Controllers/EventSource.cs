using KubeCloud.ControllerRuntime.Cache;
using KubeCloud.ControllerRuntime.Queue;

namespace KubeCloud.ControllerRuntime.Controllers;

/// <summary>An informer whose changes a controller turns into requests (its own kind, owned kinds, mapped kinds).</summary>
internal sealed class EventSource(IInformer informer, Func<RateLimitingQueue<ReconcileRequest>, IDisposable> register)
{
    public IInformer Informer { get; } = informer;

    /// <summary>Starts feeding the queue; dispose to stop.</summary>
    public IDisposable Register(RateLimitingQueue<ReconcileRequest> queue) => register(queue);
}
