using k8s.Models;

namespace KubeCloud.ApiServer.Auth;

/// <summary>The 403 Status kube-apiserver answers when no authorizer allowed a request.</summary>
public static class Forbidden
{
    /// <summary><c>User "alice" cannot list resource "servers" in API group "kubecloud.io" in the namespace "demo"</c>.</summary>
    public static string Describe(RequestAttributes attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        var user = attributes.User.Name;
        if (!attributes.IsResourceRequest)
        {
            return $"User \"{user}\" cannot {attributes.Verb} path \"{attributes.Path}\"";
        }

        var resource = attributes.Subresource.Length > 0 ? $"{attributes.Resource}/{attributes.Subresource}" : attributes.Resource;
        return attributes.Namespace.Length > 0
            ? $"User \"{user}\" cannot {attributes.Verb} resource \"{resource}\" in API group \"{attributes.ApiGroup}\" in the namespace \"{attributes.Namespace}\""
            : $"User \"{user}\" cannot {attributes.Verb} resource \"{resource}\" in API group \"{attributes.ApiGroup}\" at the cluster scope";
    }

    /// <summary>The Status object: 403, reason Forbidden, message as kube-apiserver words it (with the authorizer's reason appended when there is one).</summary>
    public static V1Status Status(RequestAttributes attributes, string reason = "")
    {
        ArgumentNullException.ThrowIfNull(attributes);
        var error = Describe(attributes);
        if (reason.Length > 0)
        {
            error = $"{error}: {reason}";
        }

        var qualified = !attributes.IsResourceRequest || attributes.Resource.Length == 0
            ? ""
            : attributes.ApiGroup.Length == 0 ? attributes.Resource : $"{attributes.Resource}.{attributes.ApiGroup}";
        var message = qualified.Length == 0
            ? $"forbidden: {error}"
            : attributes.Name.Length == 0 ? $"{qualified} is forbidden: {error}" : $"{qualified} \"{attributes.Name}\" is forbidden: {error}";
        return new V1Status
        {
            ApiVersion = "v1",
            Kind = "Status",
            Metadata = new V1ListMeta(),
            Status = "Failure",
            Message = message,
            Reason = "Forbidden",
            Details = new V1StatusDetails
            {
                Group = attributes.IsResourceRequest ? attributes.ApiGroup : null,
                Kind = attributes.IsResourceRequest ? attributes.Resource : null,
                Name = attributes.Name.Length > 0 ? attributes.Name : null,
            },
            Code = 403,
        };
    }
}
