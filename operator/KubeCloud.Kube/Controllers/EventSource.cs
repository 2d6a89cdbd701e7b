using KubeCloud.Kube.Cache;
using KubeCloud.Kube.Queue;

namespace KubeCloud.Kube.Controllers;

/// <summary>An informer whose changes a controller turns into requests (its own kind, owned kinds, mapped kinds).</summary>
internal sealed class EventSource(IInformer informer, Func<RateLimitingQueue<ReconcileRequest>, IDisposable> register)
{
    public IInformer Informer { get; } = informer;

    /// <summary>Starts feeding the queue; dispose to stop.</summary>
    public IDisposable Register(RateLimitingQueue<ReconcileRequest> queue) => register(queue);
}
