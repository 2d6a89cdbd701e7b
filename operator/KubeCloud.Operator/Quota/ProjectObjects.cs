using KubeCloud.Api.V1Alpha1;

namespace KubeCloud.Operator.Quota;

/// <summary>The objects of one namespace that count against its quota, as the informer caches hold them.</summary>
public sealed record ProjectObjects(
    IReadOnlyList<Server> Servers,
    IReadOnlyList<Volume> Volumes,
    IReadOnlyList<Network> Networks,
    IReadOnlyList<Port> Ports,
    IReadOnlyList<ServerGroup> ServerGroups)
{
    public static readonly ProjectObjects Empty = new([], [], [], [], []);
}
