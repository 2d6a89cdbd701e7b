using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Auth;
using KubeCloud.ApiServer.Resources;

namespace KubeCloud.ApiServer.Storage;

/// <summary>The authorizer's and admission's read access to the store (RBAC objects, namespaces, webhook configurations).</summary>
public sealed class StoreObjectSource : IVersionedClusterObjectSource
{
    private readonly ObjectStore _store;

    public StoreObjectSource(ObjectStore store)
    {
        _store = store;
    }

    public IReadOnlyList<JsonObject> List(string group, string resource, string? @namespace = null) =>
        _store.List(new GroupResource(group, resource), @namespace).Items.Select(i => i.Object).ToList();

    /// <summary>The global revision: coarser than per resource, but it changes whenever anything does.</summary>
    public long RevisionOf(string group, string resource) => _store.Revision;

    public JsonObject? Get(string group, string resource, string? @namespace, string name) =>
        _store.Get(new GroupResource(group, resource), @namespace ?? "", name)?.Object;
}
