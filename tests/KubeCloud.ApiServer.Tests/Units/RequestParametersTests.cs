using KubeCloud.ApiServer.Http;
using Microsoft.AspNetCore.Http;

namespace KubeCloud.ApiServer.Tests.Units;

/// <summary>What kubectl and helm send is accepted; anything the server does not implement is refused with a message naming it.</summary>
public sealed class RequestParametersTests
{
    public sealed record Case(string Name, string Method, string Url, int Code = 0, string? Message = null, string? Header = null, double? Timeout = null)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<Case> Cases => new()
    {
        new("kubectl discovery", "GET", "/api?timeout=32s", Timeout: 32),
        new("kubectl openapi v3", "GET", "/openapi/v3/apis/apps/v1?hash=B1360000&timeout=32s", Timeout: 32),
        new("kubectl get (list, paged)", "GET", "/api/v1/namespaces/default/configmaps?limit=500"),
        new("kubectl wait (list, then watch)", "GET", "/apis/apps/v1/namespaces/default/deployments?fieldSelector=metadata.name%3Dd1&limit=500&resourceVersion=0"),
        new("kubectl wait watch", "GET", "/apis/apps/v1/namespaces/default/deployments?allowWatchBookmarks=true&fieldSelector=metadata.name%3Dd1&resourceVersion=78&timeoutSeconds=556&watch=true"),
        new("kubectl get -w --request-timeout", "GET", "/api/v1/namespaces/default/configmaps?resourceVersion=64&timeout=2s&watch=true", Timeout: 2),
        new("kubectl create", "POST", "/api/v1/namespaces/default/configmaps?fieldManager=kubectl-create&fieldValidation=Strict"),
        new("kubectl apply --server-side --force-conflicts --dry-run=server", "PATCH", "/api/v1/namespaces/default/configmaps/s1?dryRun=All&fieldManager=kubectl&fieldValidation=Strict&force=true"),
        new("kubectl delete", "DELETE", "/api/v1/namespaces/default/configmaps/s1"),
        new("client-go delete options as query", "DELETE", "/api/v1/namespaces/default/configmaps/s1?gracePeriodSeconds=0&propagationPolicy=Background"),
        new("deletecollection with a selector", "DELETE", "/api/v1/namespaces/default/configmaps?labelSelector=a%3Db"),
        new("list not older than a revision", "GET", "/api/v1/configmaps?resourceVersion=10&resourceVersionMatch=NotOlderThan"),
        new("pretty output", "GET", "/api/v1/namespaces/default/configmaps/x?pretty=true"),
        new("a timeout of minutes and seconds", "GET", "/api/v1/namespaces?timeout=1m30s", Timeout: 90),
        new("an unknown parameter on get", "GET", "/api/v1/namespaces/default/configmaps/x?export=true", 400,
            "query parameter \"export\" is not implemented by this server for get requests (accepted: includeObject, pretty, resourceVersion, timeout)"),
        new("a list parameter on create", "POST", "/api/v1/namespaces/default/configmaps?labelSelector=a", 400,
            "query parameter \"labelSelector\" is not implemented by this server for create requests (accepted: dryRun, fieldManager, fieldValidation, pretty, timeout)"),
        new("force on update", "PUT", "/api/v1/namespaces/default/configmaps/x?force=true", 400, "query parameter \"force\" is not implemented by this server for update requests"),
        new("a parameter on discovery", "GET", "/apis?labelSelector=x", 400, "query parameter \"labelSelector\" is not implemented by this server for /apis (accepted: pretty, timeout)"),
        new("a kube parameter the server lacks", "DELETE", "/api/v1/namespaces/default/configmaps/x?ignoreStoreReadErrorWithClusterBreakingPotential=true", 400,
            "query parameter \"ignoreStoreReadErrorWithClusterBreakingPotential\" is not implemented by this server for delete requests"),
        new("an exact list from the past", "GET", "/api/v1/configmaps?resourceVersion=10&resourceVersionMatch=Exact", 400, "resourceVersionMatch=Exact is not implemented by this server"),
        new("resourceVersionMatch without resourceVersion", "GET", "/api/v1/configmaps?resourceVersionMatch=NotOlderThan", 400,
            "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided"),
        new("resourceVersionMatch on a watch", "GET", "/api/v1/configmaps?watch=true&resourceVersion=1&resourceVersionMatch=NotOlderThan", 400, "resourceVersionMatch is forbidden for watch"),
        new("an unknown resourceVersionMatch", "GET", "/api/v1/configmaps?resourceVersion=1&resourceVersionMatch=Newest", 400,
            "resourceVersionMatch: Unsupported value: \"Newest\": supported values: \"Exact\", \"NotOlderThan\""),
        new("sendInitialEvents on a list", "GET", "/api/v1/configmaps?sendInitialEvents=true", 400, "sendInitialEvents is forbidden for list"),
        new("a timeout that is not a Go duration", "GET", "/api?timeout=32", 400, "invalid timeout specified in the request URL: time: invalid duration \"32\""),
        new("front-proxy authentication headers", "GET", "/api", 400, "header \"X-Remote-User\" is not implemented by this server: request-header (front proxy) authentication", Header: "X-Remote-User: mallory"),
        new("front-proxy extras", "GET", "/api", 400, "header \"X-Remote-Extra-Scopes\" is not implemented by this server", Header: "X-Remote-Extra-Scopes: all"),
        new("a conditional request", "GET", "/api/v1/namespaces/default/configmaps/x", 400, "header \"If-None-Match\" is not implemented by this server: conditional requests", Header: "If-None-Match: \"abc\""),
        new("a compressed body", "POST", "/api/v1/namespaces/default/configmaps", 415, "Content-Encoding \"gzip\" is not implemented by this server: send the body uncompressed", Header: "Content-Encoding: gzip"),
        new("an uncompressed body", "POST", "/api/v1/namespaces/default/configmaps", Header: "Content-Encoding: identity"),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Accepts_what_it_implements_and_names_what_it_refuses(Case c)
    {
        var http = new DefaultHttpContext();
        var question = c.Url.IndexOf('?', StringComparison.Ordinal);
        http.Request.Method = c.Method;
        http.Request.Path = question < 0 ? c.Url : c.Url[..question];
        http.Request.QueryString = new QueryString(question < 0 ? "" : c.Url[question..]);
        if (c.Header is { } header)
        {
            var colon = header.IndexOf(':', StringComparison.Ordinal);
            http.Request.Headers[header[..colon]] = header[(colon + 1)..].Trim();
        }

        var info = RequestInfo.Parse(c.Method, http.Request.Path.Value!, http.Request.Query["watch"] == "true");
        if (c.Code == 0)
        {
            Assert.Equal(c.Timeout, RequestParameters.Check(http.Request, info)?.TotalSeconds);
            return;
        }

        var refusal = Assert.Throws<ApiException>(() => RequestParameters.Check(http.Request, info));
        Assert.Equal(c.Code, refusal.Code);
        Assert.Contains(c.Message!, refusal.Status.Message, StringComparison.Ordinal);
    }
}
