using k8s;
using k8s.Models;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Cache;
using KubeCloud.Operator.Admission;

namespace KubeCloud.Operator.Webhook;

/// <summary>
/// The admission rules' view of the cloud: the operator's shared informer caches (the same watches the controllers
/// use), with ports indexed by their network so a fixed-IP or in-use check reads one network's ports, not all.
/// Create it before the informers start (the webhook's extension does, when it is mapped), so the runtime's
/// readiness waits for these caches too.
/// </summary>
public sealed class InformerObjectLookup : IObjectLookup
{
    /// <summary>Ports by <c>namespace/name</c> of the network they are on.</summary>
    public const string PortsByNetworkIndex = "admission.network";

    private readonly Dictionary<Type, object> _stores = [];
    private readonly List<IInformer> _informers = [];
    private readonly IIndexer<Port> _ports;

    public InformerObjectLookup(SharedInformerFactory informers)
    {
        ArgumentNullException.ThrowIfNull(informers);
        var ports = informers.For<Port>();
        ports.AddIndex(PortsByNetworkIndex, p => [NetworkKey(p.Spec.NetworkRef.Namespace ?? p.Metadata.NamespaceProperty, p.Spec.NetworkRef.Name)]);
        _ports = Add(ports);
        Add(informers.For<Server>());
        Add(informers.For<Network>());
        Add(informers.For<Volume>());
        Add(informers.For<Image>());
        Add(informers.For<Flavor>());
        Add(informers.For<ServerGroup>());
        Add(informers.For<ProjectQuota>());
    }

    /// <summary>True once every cache the rules read has its first list.</summary>
    public bool HasSynced => _informers.TrueForAll(i => i.HasSynced);

    public Task WaitForCacheSyncAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(_informers.Select(i => i.WaitForCacheSyncAsync(cancellationToken)));

    public T? Get<T>(string? @namespace, string name)
        where T : class => Store<T>().Get(@namespace, name);

    public IReadOnlyList<T> List<T>(string? @namespace)
        where T : class => @namespace is null ? Store<T>().List() : Store<T>().ListByNamespace(@namespace);

    public IReadOnlyList<Port> PortsOnNetwork(string? @namespace, string name) => _ports.ByIndex(PortsByNetworkIndex, NetworkKey(@namespace, name));

    private static string NetworkKey(string? @namespace, string name) => $"{@namespace}/{name}";

    private IIndexer<T> Add<T>(SharedInformer<T> informer)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        _stores[typeof(T)] = informer.Store;
        _informers.Add(informer);
        return informer.Store;
    }

    private IIndexer<T> Store<T>()
        where T : class =>
        _stores.TryGetValue(typeof(T), out var store)
            ? (IIndexer<T>)store
            : throw new NotSupportedException($"the admission lookup has no cache of {typeof(T).Name}");
}
