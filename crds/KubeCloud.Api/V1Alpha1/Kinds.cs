namespace KubeCloud.Api.V1Alpha1;

/// <summary>Every kind of group kubecloud.io/v1alpha1, in the order they are documented.</summary>
public static class Kinds
{
    public static IReadOnlyList<Type> All { get; } =
    [
        typeof(Flavor),
        typeof(Image),
        typeof(Network),
        typeof(Port),
        typeof(Volume),
        typeof(Server),
        typeof(ServerGroup),
        typeof(Hypervisor),
        typeof(ProjectQuota),
    ];
}
