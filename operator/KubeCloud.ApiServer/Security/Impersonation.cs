using KubeCloud.ApiServer.Auth;
using KubeCloud.ApiServer.Http;
using Microsoft.AspNetCore.Http;

namespace KubeCloud.ApiServer.Security;

/// <summary>
/// kube-apiserver's impersonation filter (k8s.io/apiserver pkg/endpoints/filters/impersonation.go):
/// <c>Impersonate-User</c>, <c>Impersonate-Group</c>, <c>Impersonate-Uid</c> and <c>Impersonate-Extra-&lt;key&gt;</c>
/// turn the authenticated user into another one, after the authenticated user has been authorized, for each
/// of them, with the verb <c>impersonate</c> on <c>users</c>, <c>groups</c>, <c>serviceaccounts</c> (a
/// <c>system:serviceaccount:&lt;ns&gt;:&lt;name&gt;</c> user, in its namespace), <c>uids</c> or
/// <c>userextras/&lt;key&gt;</c>. A refusal is kube's 403.
/// </summary>
public sealed class Impersonation
{
    public const string UserHeader = "Impersonate-User";
    public const string GroupHeader = "Impersonate-Group";
    public const string UidHeader = "Impersonate-Uid";
    public const string ExtraHeaderPrefix = "Impersonate-Extra-";

    private readonly IAuthorizer _authorizer;

    public Impersonation(IAuthorizer authorizer)
    {
        _authorizer = authorizer;
    }

    /// <summary>The user a request acts as: the requester itself when no impersonation header is present.</summary>
    /// <exception cref="ApiException">403 when the requester may not impersonate one of the requested identities; 500 (as kube) for groups, uid or extras without a user.</exception>
    public UserInfo ActAs(UserInfo requester, IHeaderDictionary headers)
    {
        ArgumentNullException.ThrowIfNull(requester);
        var requests = Requests(headers);
        if (requests.Count == 0)
        {
            return requester;
        }

        var groupsSpecified = headers.ContainsKey(GroupHeader);
        var username = "";
        string? uid = null;
        var groups = new List<string>();
        var extra = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var request in requests)
        {
            var attributes = request.Attributes(requester);
            switch (request.Kind)
            {
                case ImpersonatedKind.ServiceAccount:
                    username = ServiceAccountUser.UserName(request.Namespace, request.Name);
                    if (!groupsSpecified)
                    {
                        groups.AddRange([ServiceAccountUser.AllGroup, ServiceAccountUser.NamespaceGroup(request.Namespace)]);
                    }

                    break;
                case ImpersonatedKind.User:
                    username = request.Name;
                    break;
                case ImpersonatedKind.Group:
                    groups.Add(request.Name);
                    break;
                case ImpersonatedKind.Uid:
                    uid = request.Name;
                    break;
                case ImpersonatedKind.Extra:
                    extra[request.ExtraKey] = [.. extra.GetValueOrDefault(request.ExtraKey) ?? [], request.Name];
                    break;
            }

            var decision = requester.Groups.Contains(UserInfo.MastersGroup) ? new AuthorizationResult(AuthorizationDecision.Allow) : _authorizer.Authorize(attributes);
            if (!decision.Allowed)
            {
                throw new ApiException(Forbidden.Status(attributes, decision.Reason));
            }
        }

        var implicitGroup = username == UserInfo.AnonymousUser ? UserInfo.UnauthenticatedGroup : UserInfo.AuthenticatedGroup;
        if (!groups.Contains(UserInfo.UnauthenticatedGroup) && !groups.Contains(implicitGroup))
        {
            groups.Add(implicitGroup);
        }

        return new UserInfo(username, uid, groups, extra.Count == 0 ? null : extra);
    }

    /// <summary>What the headers ask to impersonate, in kube's order: user, groups, extras, uid.</summary>
    /// <exception cref="ApiException">500 when groups, extras or a uid are asked for without a user, worded as kube's.</exception>
    public static IReadOnlyList<ImpersonatedIdentity> Requests(IHeaderDictionary headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var requests = new List<ImpersonatedIdentity>();
        var user = headers[UserHeader].ToString();
        if (user.Length > 0)
        {
            requests.Add(ServiceAccountOf(user) is { } account
                ? new ImpersonatedIdentity(ImpersonatedKind.ServiceAccount, account.Name, account.Namespace)
                : new ImpersonatedIdentity(ImpersonatedKind.User, user));
        }

        foreach (var group in headers[GroupHeader])
        {
            requests.Add(new ImpersonatedIdentity(ImpersonatedKind.Group, group ?? ""));
        }

        foreach (var (name, values) in headers)
        {
            if (!name.StartsWith(ExtraHeaderPrefix, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var key = UnescapeExtraKey(name[ExtraHeaderPrefix.Length..].ToLowerInvariant());
            foreach (var value in values)
            {
                requests.Add(new ImpersonatedIdentity(ImpersonatedKind.Extra, value ?? "", ExtraKey: key));
            }
        }

        var uid = headers[UidHeader].ToString();
        if (uid.Length > 0)
        {
            requests.Add(new ImpersonatedIdentity(ImpersonatedKind.Uid, uid));
        }

        if (user.Length == 0 && requests.Count > 0)
        {
            throw new ApiException(ApiException.Failure(500, "InternalError", $"Internal error occurred: requested [{string.Join(" ", requests.Select(r => r.Describe()))}] without impersonating a user"));
        }

        return requests;
    }

    /// <summary>kube's serviceaccount.SplitUsername: <c>system:serviceaccount:&lt;ns&gt;:&lt;name&gt;</c> with both parts non-empty and no further colon.</summary>
    private static (string Namespace, string Name)? ServiceAccountOf(string user)
    {
        if (!user.StartsWith(ServiceAccountUser.Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var parts = user[ServiceAccountUser.Prefix.Length..].Split(':');
        return parts is [{ Length: > 0 } ns, { Length: > 0 } name] ? (ns, name) : null;
    }

    private static string UnescapeExtraKey(string key)
    {
        try
        {
            return Uri.UnescapeDataString(key);
        }
        catch (UriFormatException)
        {
            return key;
        }
    }
}
