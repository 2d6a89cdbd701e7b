using System.Globalization;
using System.Net;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;

namespace KubeCloud.Kubectl.Cli;

/// <summary>
/// <c>kubectl kubecloud console SERVER</c>: the serial log through the Kubernetes API (the kubeconfig's server), as
/// <c>virtctl console</c> goes through virt-api: the API server authorizes <c>get servers/console</c> in group
/// <c>subresources.kubecloud.io</c> and proxies to the operator (APIService <c>v1alpha1.subresources.kubecloud.io</c>).
/// The text is copied to the output as it arrives, so <c>--follow</c> prints what the guest prints until interrupted.
/// </summary>
internal static class ConsoleReader
{
    public const string Group = ApiGroup.SubresourcesGroup;

    public static string PathOf(string @namespace, string server, bool follow, int? tail)
    {
        var query = new List<string>();
        if (tail is { } lines)
        {
            query.Add("tailLines=" + lines.ToString(CultureInfo.InvariantCulture));
        }

        if (follow)
        {
            query.Add("follow=true");
        }

        var path = $"/apis/{Group}/v1alpha1/namespaces/{Uri.EscapeDataString(@namespace)}/servers/{Uri.EscapeDataString(server)}/console";
        return query.Count == 0 ? path : path + "?" + string.Join('&', query);
    }

    public static async Task CopyAsync(KubeClient client, string @namespace, PluginCommandLine line, Stream output, CancellationToken cancellationToken)
    {
        using var response = await client.GetStreamingAsync(PathOf(@namespace, line.Server, line.Follow, line.Tail), cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            await output.FlushAsync(cancellationToken);
        }
    }

    /// <summary>The one line an API error becomes, saying what to do about it.</summary>
    public static string Explain(KubeApiException error, string @namespace, string server)
    {
        ArgumentNullException.ThrowIfNull(error);
        var message = error.Status?.Message is { Length: > 0 } m ? m : error.Message;
        return error.StatusCode switch
        {
            HttpStatusCode.Unauthorized => $"console of server {@namespace}/{server}: not authenticated: {message}",
            HttpStatusCode.Forbidden => $"console of server {@namespace}/{server}: forbidden: you need get on servers/console in API group {Group} in namespace {@namespace} (kubecloud-member or kubecloud-admin give it; kubecloud-reader does not): {message}",
            HttpStatusCode.NotFound when message.Contains("not found in namespace", StringComparison.Ordinal) => $"console of server {@namespace}/{server}: not found: {message}",
            HttpStatusCode.NotFound => $"console of server {@namespace}/{server}: not found: {message} (is the APIService v1alpha1.{Group} installed? kubectl get apiservice v1alpha1.{Group})",
            HttpStatusCode.Conflict => $"console of server {@namespace}/{server}: not placed on a node yet: {message}",
            HttpStatusCode.ServiceUnavailable => $"console of server {@namespace}/{server}: the console API is not available (APIService v1alpha1.{Group}; kubectl get apiservice v1alpha1.{Group}): {message}",
            _ => $"console of server {@namespace}/{server}: error from server ({(int)error.StatusCode}): {message}",
        };
    }
}
