using KubeCloud.ApiServer.Auth;

namespace KubeCloud.ApiServer.Security;

/// <summary>One identity asked for by an impersonation header.</summary>
public sealed record ImpersonatedIdentity(ImpersonatedKind Kind, string Name, string Namespace = "", string ExtraKey = "")
{
    /// <summary>What the requester needs: the verb impersonate on the resource that stands for this identity.</summary>
    public RequestAttributes Attributes(UserInfo requester) => Kind switch
    {
        ImpersonatedKind.ServiceAccount => new(requester, "impersonate", true, ApiVersion: "v1", Resource: "serviceaccounts", Namespace: Namespace, Name: Name),
        ImpersonatedKind.User => new(requester, "impersonate", true, ApiVersion: "v1", Resource: "users", Name: Name),
        ImpersonatedKind.Group => new(requester, "impersonate", true, ApiVersion: "v1", Resource: "groups", Name: Name),
        ImpersonatedKind.Uid => new(requester, "impersonate", true, ApiGroup: "authentication.k8s.io", ApiVersion: "v1", Resource: "uids", Name: Name),
        _ => new(requester, "impersonate", true, ApiGroup: "authentication.k8s.io", ApiVersion: "v1", Resource: "userextras", Subresource: ExtraKey, Name: Name),
    };

    internal string Describe() => Kind switch
    {
        ImpersonatedKind.Extra => $"{{UserExtra {Name} {ExtraKey}}}",
        ImpersonatedKind.Uid => $"{{UID {Name}}}",
        _ => $"{{{Kind} {Name}}}",
    };
}

/// <summary>What an impersonation header names.</summary>
public enum ImpersonatedKind
{
    User,
    ServiceAccount,
    Group,
    Uid,
    Extra,
}
