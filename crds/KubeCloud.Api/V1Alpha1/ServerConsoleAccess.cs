using k8s.Models;

namespace KubeCloud.Api.V1Alpha1;

/// <summary>
/// What reading a server's serial console needs: <c>get</c> on <c>servers/console</c> of that server in group
/// <see cref="ApiGroup.SubresourcesGroup"/> (KubeVirt's convention for its aggregated API, and what the API server
/// checks before it proxies). The operator's endpoint and the node daemon's ask the same question.
/// </summary>
public static class ServerConsoleAccess
{
    public static V1ResourceAttributes Attributes(string @namespace, string name) => new()
    {
        Group = ApiGroup.SubresourcesGroup,
        Resource = "servers",
        Subresource = "console",
        Verb = "get",
        NamespaceProperty = @namespace,
        Name = name,
    };
}
