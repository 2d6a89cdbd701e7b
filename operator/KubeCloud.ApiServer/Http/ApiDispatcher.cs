using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Aggregation;
using KubeCloud.ApiServer.Auth;
using KubeCloud.ApiServer.Handlers;
using KubeCloud.ApiServer.Resources;
using KubeCloud.ApiServer.Security;
using Microsoft.AspNetCore.Http;

namespace KubeCloud.ApiServer.Http;

/// <summary>
/// The request pipeline: authenticate the bearer token, impersonate (Impersonate-* headers), parse what the URL addresses, authorize,
/// then hand over to an extension API server (a remote APIService's group version), discovery, OpenAPI or the resource handlers. Every error is a Status object.
/// </summary>
public sealed class ApiDispatcher
{
    private readonly TokenAuthenticator _authenticator;
    private readonly IAuthorizer _authorizer;
    private readonly ResourceRegistry _resources;
    private readonly DiscoveryHandler _discovery;
    private readonly OpenApiHandler _openApi;
    private readonly ReadHandler _read;
    private readonly WriteHandler _write;
    private readonly PatchHandler _patch;
    private readonly WatchHandler _watch;
    private readonly AccessReviewHandler _reviews;
    private readonly ScaleHandler _scale;
    private readonly Impersonation _impersonation;
    private readonly TokenRequestHandler _tokenRequests;
    private readonly ApiServiceProxy _aggregator;
    private readonly FaultInjection? _faults;

    public ApiDispatcher(TokenAuthenticator authenticator, IAuthorizer authorizer, ResourceRegistry resources, DiscoveryHandler discovery, OpenApiHandler openApi, ReadHandler read, WriteHandler write, PatchHandler patch, WatchHandler watch, AccessReviewHandler reviews, ScaleHandler scale, TokenRequestHandler tokenRequests, ApiServiceProxy aggregator, FaultInjection? faults = null)
    {
        _aggregator = aggregator;
        _faults = faults;
        _tokenRequests = tokenRequests;
        _scale = scale;
        _authenticator = authenticator;
        _authorizer = authorizer;
        _impersonation = new Impersonation(authorizer);
        _resources = resources;
        _discovery = discovery;
        _openApi = openApi;
        _read = read;
        _write = write;
        _patch = patch;
        _watch = watch;
        _reviews = reviews;
    }

    public async Task HandleAsync(HttpContext http)
    {
        CancellationTokenSource? deadline = null;
        var aborted = http.RequestAborted;
        try
        {
            var path = http.Request.Path.Value ?? "/";
            if (HealthHandler.Handles(path))
            {
                await HealthHandler.ServeAsync(http);
                return;
            }

            var authenticated = _authenticator.Authenticate(http.Request.Headers.Authorization.ToString());
            if (authenticated is null)
            {
                await ResponseWriter.WriteStatusAsync(http, ApiException.Failure(401, "Unauthorized", "Unauthorized"));
                return;
            }

            var user = _impersonation.ActAs(authenticated, http.Request.Headers);

            var info = RequestInfo.Parse(http.Request.Method, path, http.Request.Query["watch"] is var w && (w == "true" || w == "1"));
            var context = new ApiContext(http, user, info);
            if (info.IsResourceRequest)
            {
                context.Type = _resources.Find(info.Group, info.Version, info.Resource);
            }

            Authorize(context);
            if (_aggregator.Find(info) is { } apiService)
            {
                await _aggregator.ProxyAsync(context, apiService);
                return;
            }

            if (RequestParameters.Check(http.Request, info) is { } timeout)
            {
                deadline = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
                deadline.CancelAfter(timeout);
                http.RequestAborted = deadline.Token;
            }

            if (!info.IsResourceRequest)
            {
                await ServeNonResourceAsync(context);
                return;
            }

            await (_faults is null ? ServeResourceAsync(context) : _faults.ServeAsync(context, () => ServeResourceAsync(context)));
        }
        catch (ApiException e)
        {
            if (!http.Response.HasStarted)
            {
                await ResponseWriter.WriteStatusAsync(http, e.Status);
            }
        }
        catch (OperationCanceledException) when (deadline is { IsCancellationRequested: true } && !aborted.IsCancellationRequested && !http.Response.HasStarted)
        {
            http.RequestAborted = aborted;
            await ResponseWriter.WriteStatusAsync(http, ApiException.Failure(504, "Timeout", "Timeout: request did not complete within requested timeout - context deadline exceeded", new() { RetryAfterSeconds = 0 }));
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException or KeyNotFoundException or NullReferenceException or InvalidCastException or IndexOutOfRangeException or System.Text.Json.JsonException)
        {
            if (!http.Response.HasStarted)
            {
                await ResponseWriter.WriteStatusAsync(http, ApiException.Failure(500, "InternalError", $"Internal error occurred: {e.Message}"));
            }
        }
        finally
        {
            deadline?.Dispose();
        }
    }

    private void Authorize(ApiContext context)
    {
        var info = context.Info;
        var attributes = new RequestAttributes(context.User, info.Verb, info.IsResourceRequest, info.Path, info.Group, info.Version, info.Resource, info.Subresource, info.Namespace, info.Name);
        if (context.User.Groups.Contains(UserInfo.MastersGroup))
        {
            return;
        }

        var result = _authorizer.Authorize(attributes);
        if (result.Allowed)
        {
            return;
        }

        throw new ApiException(Forbidden.Status(attributes, result.Reason));
    }

    private async Task ServeNonResourceAsync(ApiContext context)
    {
        var path = context.Info.Path.TrimEnd('/');
        if (path == "/version")
        {
            await ResponseWriter.WriteNodeAsync(context.Http, 200, VersionInfo());
            return;
        }

        if (context.Info.Verb == "get" && (await _discovery.TryServeAsync(context) || await _openApi.TryServeAsync(context)))
        {
            return;
        }

        throw ApiException.PathNotFound();
    }

    private async Task ServeResourceAsync(ApiContext context)
    {
        var info = context.Info;
        var type = context.Type ?? throw ApiException.PathNotFound();
        if (type.Namespaced && info.Namespace.Length == 0 && info.Verb is "get" or "update" or "patch" or "delete" or "create" && info.Name.Length > 0)
        {
            throw ApiException.PathNotFound();
        }

        if (info.Subresource == "scale" && type.HasSubresource("scale") && info.Verb is "get" or "update" or "patch")
        {
            await _scale.HandleAsync(context, type);
            return;
        }

        if (TokenRequestHandler.Handles(type, info))
        {
            await _tokenRequests.CreateAsync(context);
            return;
        }

        if (info.Subresource.Length > 0 && info.Subresource != "status")
        {
            throw ApiException.PathNotFound();
        }

        if (info.Subresource == "status" && !type.HasSubresource("status"))
        {
            throw ApiException.PathNotFound();
        }

        if (AccessReviewHandler.Handles(type) && info.Verb == "create")
        {
            await _reviews.CreateAsync(context, type);
            return;
        }

        var verb = info.Verb;
        if (!type.Supports(verb) && info.Subresource.Length == 0)
        {
            throw ApiException.MethodNotSupported(type.GroupResource, verb);
        }

        switch (verb)
        {
            case "get":
                await _read.GetAsync(context, type);
                break;
            case "list":
                await _read.ListAsync(context, type);
                break;
            case "watch":
                await _watch.WatchAsync(context, type);
                break;
            case "create":
                if (info.Name.Length > 0)
                {
                    throw ApiException.MethodNotSupported(type.GroupResource, "create");
                }

                await _write.CreateAsync(context, type);
                break;
            case "update":
                await _write.UpdateAsync(context, type);
                break;
            case "patch":
                await new ValueTask(_patch.PatchAsync(context, type));
                break;
            case "delete":
                await _write.DeleteAsync(context, type);
                break;
            case "deletecollection":
                await _write.DeleteCollectionAsync(context, type);
                break;
            default:
                throw ApiException.MethodNotSupported(type.GroupResource, verb);
        }
    }

    public static JsonObject VersionInfo() => new()
    {
        ["major"] = "1",
        ["minor"] = "36",
        ["emulationMajor"] = "1",
        ["emulationMinor"] = "36",
        ["minCompatibilityMajor"] = "1",
        ["minCompatibilityMinor"] = "35",
        ["gitVersion"] = "v1.36.0-kubecloud",
        ["gitCommit"] = "0000000000000000000000000000000000000000",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2026-01-01T00:00:00Z",
        ["goVersion"] = "go1.25.0",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };
}
