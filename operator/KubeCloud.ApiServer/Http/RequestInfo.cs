namespace KubeCloud.ApiServer.Http;

/// <summary>
/// What a URL and method address, parsed as kube-apiserver's RequestInfoFactory does:
/// /api/v1/namespaces/demo/pods/web/status → resource request, verb from the method.
/// </summary>
public sealed record RequestInfo(
    bool IsResourceRequest,
    string Path,
    string Verb,
    string ApiPrefix = "",
    string Group = "",
    string Version = "",
    string Namespace = "",
    string Resource = "",
    string Name = "",
    string Subresource = "")
{
    private static readonly HashSet<string> NamespaceSubresources = ["status", "finalize"];

    public static RequestInfo Parse(string method, string path, bool watchQuery)
    {
        var parts = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        var nonResource = new RequestInfo(false, path, method.ToLowerInvariant());
        if (parts.Length < 2 || (parts[0] != "api" && parts[0] != "apis"))
        {
            return nonResource;
        }

        string group, version;
        int index;
        if (parts[0] == "api")
        {
            (group, version, index) = ("", parts[1], 2);
        }
        else
        {
            if (parts.Length < 3)
            {
                return nonResource;
            }

            (group, version, index) = (parts[1], parts[2], 3);
        }

        var rest = parts[index..];
        if (rest.Length == 0)
        {
            return nonResource with { ApiPrefix = parts[0], Group = group, Version = version };
        }

        var verb = method.ToUpperInvariant() switch
        {
            "POST" => "create",
            "GET" or "HEAD" => "get",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => "delete",
            _ => "",
        };
        var watchPath = false;
        if (rest[0] == "watch")
        {
            watchPath = true;
            rest = rest[1..];
        }

        var ns = "";
        if (rest.Length > 0 && rest[0] == "namespaces" && rest.Length > 1)
        {
            ns = rest[1];
            if (rest.Length > 2 && !NamespaceSubresources.Contains(rest[2]))
            {
                rest = rest[2..];
            }
        }

        var resource = rest.Length > 0 ? rest[0] : "";
        var name = rest.Length > 1 ? rest[1] : "";
        var subresource = rest.Length > 2 ? rest[2] : "";
        if (rest.Length > 3)
        {
            // kube-apiserver keeps only resource/name/subresource; deeper paths are proxies, not served here.
            subresource = string.Join('/', rest[2..]);
        }

        if (watchPath)
        {
            verb = "watch";
        }
        else if (verb == "get" && name.Length == 0)
        {
            verb = watchQuery ? "watch" : "list";
        }
        else if (verb == "delete" && name.Length == 0)
        {
            verb = "deletecollection";
        }

        // As in kube-apiserver, /api/v1/namespaces/demo keeps Namespace "demo" (RBAC reads it); handlers ignore it for cluster-scoped kinds.
        return new RequestInfo(true, path, verb, parts[0], group, version, ns, resource, name, subresource);
    }
}
