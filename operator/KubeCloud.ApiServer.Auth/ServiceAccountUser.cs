namespace KubeCloud.ApiServer.Auth;

/// <summary>How a service account appears as a user, as kube-apiserver's serviceaccount package names it.</summary>
public static class ServiceAccountUser
{
    public const string Prefix = "system:serviceaccount:";
    public const string AllGroup = "system:serviceaccounts";

    /// <summary><c>system:serviceaccount:&lt;namespace&gt;:&lt;name&gt;</c>.</summary>
    public static string UserName(string @namespace, string name) => $"{Prefix}{@namespace}:{name}";

    /// <summary><c>system:serviceaccounts:&lt;namespace&gt;</c>.</summary>
    public static string NamespaceGroup(string @namespace) => $"{AllGroup}:{@namespace}";

    /// <summary>The user of a service account with its groups (and system:authenticated).</summary>
    public static UserInfo For(string @namespace, string name, string? uid = null) =>
        new(UserName(@namespace, name), uid, [AllGroup, NamespaceGroup(@namespace), UserInfo.AuthenticatedGroup]);
}
