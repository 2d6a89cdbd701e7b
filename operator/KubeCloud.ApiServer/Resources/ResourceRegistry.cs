namespace KubeCloud.ApiServer.Resources;

/// <summary>
/// The resources this server serves right now: the built-ins of the OpenAPI document plus the
/// custom resources of established CRDs. Readers get an immutable snapshot; CRD changes swap it.
/// </summary>
public sealed class ResourceRegistry
{
    private readonly IReadOnlyList<ResourceType> _builtIns;
    private readonly Lock _gate = new();
    private Dictionary<string, IReadOnlyList<ResourceType>> _custom = new(StringComparer.Ordinal);
    private Snapshot _snapshot;

    public ResourceRegistry(IReadOnlyList<ResourceType> builtIns)
    {
        _builtIns = builtIns;
        _snapshot = new Snapshot(builtIns, 0);
    }

    /// <summary>Bumped on every change; discovery and OpenAPI caches key on it.</summary>
    public long Generation => _snapshot.Generation;

    public IReadOnlyList<ResourceType> All => _snapshot.Resources;

    public ResourceType? Find(string group, string version, string plural) =>
        _snapshot.ByPath.GetValueOrDefault((group, version, plural));

    /// <summary>Any served version of a group/resource (the storage version for custom resources).</summary>
    public ResourceType? Find(GroupResource groupResource) =>
        _snapshot.ByGroupResource.GetValueOrDefault(groupResource);

    public bool IsServedGroupVersion(string group, string version) => _snapshot.GroupVersions.Contains((group, version));

    /// <summary>Replaces the custom resources a CRD defines (an empty list removes them).</summary>
    public void SetCustomResources(string crdName, IReadOnlyList<ResourceType> resources)
    {
        lock (_gate)
        {
            var custom = new Dictionary<string, IReadOnlyList<ResourceType>>(_custom, StringComparer.Ordinal);
            if (resources.Count == 0)
            {
                custom.Remove(crdName);
            }
            else
            {
                custom[crdName] = resources;
            }

            _custom = custom;
            var all = _builtIns.Concat(custom.OrderBy(c => c.Key, StringComparer.Ordinal).SelectMany(c => c.Value)).ToList();
            _snapshot = new Snapshot(all, _snapshot.Generation + 1);
        }
    }

    private sealed class Snapshot
    {
        public Snapshot(IReadOnlyList<ResourceType> resources, long generation)
        {
            Resources = resources;
            Generation = generation;
            foreach (var resource in resources)
            {
                ByPath[(resource.Group, resource.Version, resource.Plural)] = resource;
                GroupVersions.Add((resource.Group, resource.Version));
                if (!ByGroupResource.TryGetValue(resource.GroupResource, out var existing) || Prefer(resource, existing))
                {
                    ByGroupResource[resource.GroupResource] = resource;
                }
            }
        }

        public IReadOnlyList<ResourceType> Resources { get; }

        public long Generation { get; }

        public Dictionary<(string, string, string), ResourceType> ByPath { get; } = [];

        public Dictionary<GroupResource, ResourceType> ByGroupResource { get; } = [];

        public HashSet<(string, string)> GroupVersions { get; } = [];

        private static bool Prefer(ResourceType candidate, ResourceType existing) =>
            candidate.Custom is { Storage: true } || (candidate.Custom is null && VersionPriority.Compare(candidate.Version, existing.Version) < 0);
    }
}
