using System.Net.Http.Headers;
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
/// <c>servers/console</c>, the serial log of a server, served on the operator's HTTPS listener (the webhook's) at
/// <c>GET /apis/subresources.kubecloud.io/v1alpha1/namespaces/NS/servers/NAME/console?tailLines=N</c>, the path an
/// APIService for <c>subresources.kubecloud.io</c> would give it (KubeVirt serves its consoles the same way). The
/// caller's bearer token is reviewed (TokenReview) and the user must be allowed <c>get</c> on <c>servers/console</c>
/// (SubjectAccessReview): reading the Server is not enough, a console shows what is on the guest's screen. The log is
/// fetched from the node daemon of the server's node (its Hypervisor's annotation <c>kubecloud.io/console-url</c>),
/// forwarding the caller's token, so the node checks the same permission before it answers.
/// </summary>
public static class ServerConsoleEndpoint
{
    public const string Version = "v1alpha1";

    public static string PathOf(string @namespace, string name) => $"/apis/{ApiGroup.SubresourcesGroup}/{Version}/namespaces/{@namespace}/servers/{name}/console";

    /// <summary>One client for every node (connections pooled, renewed every few minutes as nodes come and go).</summary>
    private static readonly HttpClient Nodes = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = TimeSpan.FromSeconds(15) };

    public static IEndpointRouteBuilder MapServerConsole(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet($"/apis/{ApiGroup.SubresourcesGroup}/{Version}/namespaces/{{namespace}}/servers/{{name}}/console",
            (HttpContext context, string @namespace, string name) => ServeAsync(context, @namespace, name)).OnListener(KubeCloudWebhook.Listener);
        return endpoints;
    }

    private static async Task ServeAsync(HttpContext context, string @namespace, string name)
    {
        var services = context.RequestServices;
        var cancellationToken = context.RequestAborted;
        var client = services.GetRequiredService<IKubeClient>() as KubeClient
            ?? throw new InvalidOperationException("the console endpoint needs the runtime's KubeClient for its access reviews");
        var attributes = new k8s.Models.V1ResourceAttributes
        {
            Group = ApiGroup.Name,
            Resource = "servers",
            Subresource = "console",
            Verb = "get",
            NamespaceProperty = @namespace,
            Name = name,
        };
        var decision = await new BearerTokenAccessReview(client.Kubernetes).ReviewAsync(context.Request.Headers.Authorization, attributes, cancellationToken);
        if (!decision.Allowed)
        {
            await WriteAsync(context, decision.StatusCode, decision.Message);
            return;
        }

        Server server;
        try
        {
            server = await client.GetAsync<Server>(name, @namespace, cancellationToken);
        }
        catch (NotFoundException)
        {
            await WriteAsync(context, 404, $"servers.{ApiGroup.Name} \"{name}\" not found in namespace {@namespace}");
            return;
        }

        if (server.Status?.Node is not { } node)
        {
            await WriteAsync(context, 409, $"server {@namespace}/{name} has no console yet: it is not placed on a node (status.node is empty)");
            return;
        }

        Api.V1Alpha1.Hypervisor? hypervisor = null;
        try
        {
            hypervisor = await client.GetAsync<Api.V1Alpha1.Hypervisor>(node, null, cancellationToken);
        }
        catch (NotFoundException)
        {
        }

        string? baseUrl = null;
        if (hypervisor?.Metadata.Annotations?.TryGetValue(ApiGroup.ConsoleUrlAnnotation, out baseUrl) != true || !Uri.TryCreate(baseUrl, UriKind.Absolute, out var nodeUrl))
        {
            await WriteAsync(context, 503, $"node {node} of server {@namespace}/{name} advertises no console endpoint (annotation {ApiGroup.ConsoleUrlAnnotation} on Hypervisor {node})");
            return;
        }

        var query = context.Request.Query["tailLines"] is { Count: > 0 } lines ? "?tailLines=" + Uri.EscapeDataString(lines.ToString()) : string.Empty;
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(nodeUrl, $"namespaces/{@namespace}/servers/{name}/console{query}"));
        request.Headers.Authorization = AuthenticationHeaderValue.Parse(context.Request.Headers.Authorization.ToString());
        try
        {
            using var response = await Nodes.SendAsync(request, cancellationToken);
            await WriteAsync(context, (int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken), trailingNewline: false);
        }
        catch (HttpRequestException e)
        {
            await WriteAsync(context, 502, $"node {node} did not answer for the console of server {@namespace}/{name}: {e.Message}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await WriteAsync(context, 504, $"node {node} did not answer for the console of server {@namespace}/{name} within {Nodes.Timeout.TotalSeconds} s");
        }
    }

    private static async Task WriteAsync(HttpContext context, int status, string text, bool trailingNewline = true)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(trailingNewline ? text + "\n" : text, context.RequestAborted);
    }
}
