using System.Text.Json.Nodes;
using k8s.Models;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Authorization;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Hosting;
using KubeCloud.Operator.Webhook;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace KubeCloud.Operator.Subresources;

/// <summary>
/// <c>servers/console</c>, the serial log of a server, served as an aggregated API on the operator's HTTPS listener
/// (the webhook's) at <c>GET /apis/subresources.kubecloud.io/v1alpha1/namespaces/NS/servers/NAME/console</c>
/// (<c>?tailLines=N</c>, <c>follow=true</c>, <c>limitBytes=N</c>), the path the APIService
/// <c>v1alpha1.subresources.kubecloud.io</c> makes the Kubernetes API server proxy to it, as KubeVirt's virt-api
/// serves <c>virtctl console</c>. The API server has authenticated the user and checked RBAC; this endpoint trusts it
/// as an aggregated API server does: the front proxy's client certificate must verify against the request-header CA
/// (<see cref="RequestHeaderAuthenticator"/>), the user comes from its headers, and a SubjectAccessReview for
/// <c>get servers/console</c> in group <c>subresources.kubecloud.io</c> decides again (reading the Server is not
/// enough: a console shows what is on the guest's screen). The log is then fetched from the node daemon of the
/// server's node (its Hypervisor's annotation <c>kubecloud.io/console-url</c>) with the operator's own service-account
/// token, and streamed through as it arrives; the node never sees a user's credentials.
/// </summary>
public static class ServerConsoleEndpoint
{
    public const string Version = "v1alpha1";

    /// <summary>The APIService that makes the Kubernetes API server proxy the group here.</summary>
    public const string ApiServiceName = Version + "." + ApiGroup.SubresourcesGroup;

    /// <summary>The query parameters passed on to the node (the node checks them).</summary>
    private static readonly string[] Forwarded = ["tailLines", "follow", "limitBytes"];

    /// <summary>One client for every node (connections pooled, renewed every few minutes as nodes come and go); no overall timeout, a followed console streams for as long as the user reads.</summary>
    private static readonly HttpClient Nodes = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), ConnectTimeout = TimeSpan.FromSeconds(10) }) { Timeout = Timeout.InfiniteTimeSpan };

    private static readonly TimeSpan NodeAnswerTimeout = TimeSpan.FromSeconds(15);

    public static string PathOf(string @namespace, string name) => $"/apis/{ApiGroup.SubresourcesGroup}/{Version}/namespaces/{@namespace}/servers/{name}/console";

    public static IEndpointRouteBuilder MapServerConsole(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var client = endpoints.ServiceProvider.GetRequiredService<IKubeClient>() as KubeClient
            ?? throw new InvalidOperationException("the console endpoint needs the runtime's KubeClient for its access reviews");
        var authenticator = new RequestHeaderAuthenticator(client.Kubernetes);
        endpoints.MapGet($"/apis/{ApiGroup.SubresourcesGroup}/{Version}/namespaces/{{namespace}}/servers/{{name}}/console",
            (HttpContext context, string @namespace, string name) => ServeAsync(context, client, authenticator, @namespace, name)).OnListener(KubeCloudWebhook.Listener);
        return endpoints;
    }

    private static async Task ServeAsync(HttpContext context, KubeClient client, RequestHeaderAuthenticator authenticator, string @namespace, string name)
    {
        var cancellationToken = context.RequestAborted;
        var identity = await authenticator.AuthenticateAsync(context.Connection.ClientCertificate, context.Request.Headers, cancellationToken);
        if (identity.User is not { } user)
        {
            await WriteStatusAsync(context, 401, "Unauthorized", identity.Error!);
            return;
        }

        var decision = await new SubjectAccessCheck(client).AuthorizeAsync(user, ServerConsoleAccess.Attributes(@namespace, name), cancellationToken);
        if (!decision.Allowed)
        {
            await WriteStatusAsync(context, decision.StatusCode, "Forbidden", decision.Message);
            return;
        }

        Server server;
        try
        {
            server = await client.GetAsync<Server>(name, @namespace, cancellationToken);
        }
        catch (NotFoundException)
        {
            await WriteStatusAsync(context, 404, "NotFound", $"servers.{ApiGroup.Name} \"{name}\" not found in namespace {@namespace}");
            return;
        }

        if (server.Status?.Node is not { } node)
        {
            await WriteStatusAsync(context, 409, "Conflict", $"server {@namespace}/{name} has no console yet: it is not placed on a node (status.node is empty)");
            return;
        }

        Hypervisor? hypervisor = null;
        try
        {
            hypervisor = await client.GetAsync<Hypervisor>(node, null, cancellationToken);
        }
        catch (NotFoundException)
        {
        }

        string? baseUrl = null;
        if (hypervisor?.Metadata.Annotations?.TryGetValue(ApiGroup.ConsoleUrlAnnotation, out baseUrl) != true || !Uri.TryCreate(baseUrl, UriKind.Absolute, out var nodeUrl))
        {
            await WriteStatusAsync(context, 503, "ServiceUnavailable", $"node {node} of server {@namespace}/{name} advertises no console endpoint (annotation {ApiGroup.ConsoleUrlAnnotation} on Hypervisor {node})");
            return;
        }

        await ProxyFromNodeAsync(context, client, new Uri(nodeUrl, $"namespaces/{@namespace}/servers/{name}/console{ForwardedQuery(context.Request.Query)}"), node, $"{@namespace}/{name}");
    }

    /// <summary>Asks the node with the operator's own token and streams its answer through, flushed as it arrives, until the node ends it or the client goes away.</summary>
    private static async Task ProxyFromNodeAsync(HttpContext context, KubeClient client, Uri url, string node, string server)
    {
        var cancellationToken = context.RequestAborted;
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        HttpResponseMessage response;
        using (var answer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            answer.CancelAfter(NodeAnswerTimeout);
            try
            {
                await client.AuthenticateAsync(request, answer.Token);
                response = await Nodes.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, answer.Token);
            }
            catch (HttpRequestException e)
            {
                await WriteStatusAsync(context, 502, "InternalError", $"node {node} did not answer for the console of server {server}: {e.Message}");
                return;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                await WriteStatusAsync(context, 504, "Timeout", $"node {node} did not answer for the console of server {server} within {NodeAnswerTimeout.TotalSeconds} s");
                return;
            }
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            if (status != 200)
            {
                var text = (await response.Content.ReadAsStringAsync(cancellationToken)).Trim();
                if (status is 401 or 403)
                {
                    await WriteStatusAsync(context, 502, "InternalError",
                        $"node {node} refused the operator ({status}) for the console of server {server}: {text} (the operator's service account needs get on servers/console in API group {ApiGroup.SubresourcesGroup})");
                    return;
                }

                await WriteStatusAsync(context, status, status switch { 400 => "BadRequest", 404 => "NotFound", _ => "InternalError" }, text);
                return;
            }

            context.Response.StatusCode = 200;
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.StartAsync(cancellationToken);
            try
            {
                await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                var buffer = new byte[16 * 1024];
                int read;
                while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    await context.Response.Body.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                    await context.Response.Body.FlushAsync(cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The client went away: the node's request is cancelled with it.
            }
            catch (IOException) when (!cancellationToken.IsCancellationRequested)
            {
                // The node went away mid-stream: what arrived was sent; the response just ends.
            }
        }
    }

    private static string ForwardedQuery(IQueryCollection query)
    {
        var pairs = Forwarded.Where(k => query[k].Count > 0).Select(k => $"{k}={Uri.EscapeDataString(query[k].ToString())}").ToList();
        return pairs.Count == 0 ? string.Empty : "?" + string.Join('&', pairs);
    }

    /// <summary>A failure as the Kubernetes API answers one (a Status), so kubectl and the plugin print its message.</summary>
    private static async Task WriteStatusAsync(HttpContext context, int code, string reason, string message)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        // Written by hand: the client library's V1Status converter reads Status objects but cannot write them.
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
            ["code"] = code,
        };
        await context.Response.WriteAsync(status.ToJsonString(), context.RequestAborted);
    }
}
