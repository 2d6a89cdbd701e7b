using k8s;
using k8s.Models;
using KubeCloud.ControllerRuntime.Cache;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Queue;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KubeCloud.ControllerRuntime.Controllers;

/// <summary>
/// Wires a controller the way controller-runtime's builder does:
/// <c>new ControllerBuilder(informers).For&lt;Server&gt;().Owns&lt;Port&gt;().Watches&lt;Network&gt;(MapNetwork).WithWorkers(4).Build(reconciler)</c>.
/// </summary>
public sealed class ControllerBuilder(SharedInformerFactory informers, ILoggerFactory? loggers = null, TimeProvider? time = null)
{
    /// <summary>The kind the controller reconciles: each of its changes queues its own key.</summary>
    public ControllerBuilder<T> For<T>()
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        new(informers, loggers ?? NullLoggerFactory.Instance, time ?? TimeProvider.System);
}

/// <summary>The builder of a controller of <typeparamref name="T"/>; see <see cref="ControllerBuilder"/>.</summary>
public sealed class ControllerBuilder<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly SharedInformerFactory _informers;
    private readonly ILoggerFactory _loggers;
    private readonly TimeProvider _time;
    private readonly List<EventSource> _sources = [];
    private string _name;
    private int _workers = 1;
    private Func<IRateLimiter<ReconcileRequest>>? _rateLimiter;

    internal ControllerBuilder(SharedInformerFactory informers, ILoggerFactory loggers, TimeProvider time)
    {
        _informers = informers;
        _loggers = loggers;
        _time = time;
        _name = ResourceInfo.Of<T>().Kind.ToLowerInvariant();
        _sources.Add(Source<T>(obj => [ReconcileRequest.For(obj)]));
    }

    /// <summary>Changes of <typeparamref name="TChild"/> objects queue their controlling owner of kind <typeparamref name="T"/> (ownerReferences with controller: true).</summary>
    public ControllerBuilder<T> Owns<TChild>()
        where TChild : class, IKubernetesObject<V1ObjectMeta>
    {
        var owner = ResourceInfo.Of<T>();
        _sources.Add(Source<TChild>(child => OwnerRequests(owner, child)));
        return this;
    }

    /// <summary>Changes of <typeparamref name="TOther"/> objects queue whatever <paramref name="map"/> returns (e.g. a Network's Ports from an index).</summary>
    public ControllerBuilder<T> Watches<TOther>(Func<TOther, IEnumerable<ReconcileRequest>> map)
        where TOther : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(map);
        _sources.Add(Source(map));
        return this;
    }

    /// <summary>
    /// As <see cref="Watches{TOther}(Func{TOther, IEnumerable{ReconcileRequest}})"/>, but an update queues anything only
    /// when <paramref name="updateMatters"/>(old, new) is true (controller-runtime's update predicates): a change of
    /// fields the controller never reads costs no reconcile. Adds, deletes and resyncs always map.
    /// </summary>
    public ControllerBuilder<T> Watches<TOther>(Func<TOther, IEnumerable<ReconcileRequest>> map, Func<TOther, TOther, bool> updateMatters)
        where TOther : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(updateMatters);
        _sources.Add(Source(map, updateMatters));
        return this;
    }

    /// <summary>The name in logs and metrics (default: the kind in lower case).</summary>
    public ControllerBuilder<T> Named(string name)
    {
        _name = name;
        return this;
    }

    /// <summary>How many reconciles may run at once (never two for one key).</summary>
    public ControllerBuilder<T> WithWorkers(int workers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        _workers = workers;
        return this;
    }

    /// <summary>Replaces the default rate limiter (5 ms..1000 s per item, 10 qps burst 100 overall).</summary>
    public ControllerBuilder<T> WithRateLimiter(Func<IRateLimiter<ReconcileRequest>> rateLimiter)
    {
        _rateLimiter = rateLimiter;
        return this;
    }

    public Controller<T> Build(IReconciler<T> reconciler)
    {
        ArgumentNullException.ThrowIfNull(reconciler);
        var time = _time;
        return new Controller<T>(_name, reconciler, [.. _sources], _workers,
            _rateLimiter ?? (() => DefaultControllerRateLimiter.Create<ReconcileRequest>(time)),
            _loggers.CreateLogger($"KubeCloud.ControllerRuntime.Controller.{_name}"), _time);
    }

    internal static IEnumerable<ReconcileRequest> OwnerRequests(ResourceInfo owner, IKubernetesObject<V1ObjectMeta> child)
    {
        foreach (var reference in child.Metadata?.OwnerReferences ?? [])
        {
            if (reference.Controller == true && reference.Name is { Length: > 0 } name && owner.Matches(reference.ApiVersion, reference.Kind))
            {
                yield return new ReconcileRequest(owner.Namespaced ? child.Metadata?.NamespaceProperty : null, name);
            }
        }
    }

    private EventSource Source<TSource>(Func<TSource, IEnumerable<ReconcileRequest>> map, Func<TSource, TSource, bool>? updateMatters = null)
        where TSource : class, IKubernetesObject<V1ObjectMeta>
    {
        var informer = _informers.For<TSource>();
        return new EventSource(informer, queue =>
        {
            void Enqueue(TSource obj)
            {
                foreach (var request in map(obj))
                {
                    queue.Add(request);
                }
            }

            // A resync hands the same instance twice: it always maps, as client-go's resync does.
            return informer.AddEventHandler(new ResourceEventHandler<TSource>(
                Enqueue,
                (old, updated) =>
                {
                    if (updateMatters is null || ReferenceEquals(old, updated) || updateMatters(old, updated))
                    {
                        Enqueue(updated);
                    }
                },
                (obj, _) => Enqueue(obj)));
        });
    }
}
