using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;
using Microsoft.Extensions.Logging;

namespace KubeCloud.Node.Agent.Images;

/// <summary>
/// This node's entry of an Image's <c>status.nodes</c>: <c>Cached</c> once a server's image step has fetched and verified
/// the image or found it cached, <c>Error</c> with the reason when the fetch or the check failed, and
/// <c>lastUsedTime</c> when a server is built from it. A server-side apply of the status subresource under this node's
/// own field manager (<c>kubecloud-node.NODE</c>), so each node owns its entry of the list (keyed by node) and never
/// removes another's; the operator's NodeRestriction admits nothing else from a node. Only a change is written, and
/// <c>lastUsedTime</c> at most every <see cref="UsedRefresh"/>, so a thousand servers built from one image on one node
/// make one write, not a thousand. A failed report is logged and not the server's failure.
/// </summary>
public sealed class ImageNodeReporter(IKubeClient client, NodeInformers cache, NodeAgentOptions options, TimeProvider time, ILogger<ImageNodeReporter> logger)
{
    /// <summary>How stale <c>lastUsedTime</c> may get before a server's build writes it again.</summary>
    public static readonly TimeSpan UsedRefresh = TimeSpan.FromMinutes(10);

    /// <summary>The field manager of this node's entries.</summary>
    public string FieldManager => $"{NodeStatusApply.FieldManager}.{options.NodeName}";

    /// <summary>The image of <paramref name="server"/> is cached and verified on this node (a server was just built from it).</summary>
    public Task CachedAsync(Server server, CancellationToken cancellationToken) => ReportAsync(server, ImageCacheState.Cached, null, cancellationToken);

    /// <summary>Fetching or verifying the image of <paramref name="server"/> failed on this node.</summary>
    public Task FailedAsync(Server server, string message, CancellationToken cancellationToken) => ReportAsync(server, ImageCacheState.Error, message, cancellationToken);

    private async Task ReportAsync(Server server, ImageCacheState state, string? message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(server);
        if (server.Spec.ImageRef is not { } imageRef
            || cache.Images.Store.Get(string.IsNullOrEmpty(imageRef.Namespace) ? server.Metadata.NamespaceProperty : imageRef.Namespace, imageRef.Name) is not { } image)
        {
            return;
        }

        var now = time.GetUtcNow();
        var current = image.Status?.Nodes?.FirstOrDefault(n => n.Node == options.NodeName);
        if (current is not null && current.State == state && current.Message == message
            && (state != ImageCacheState.Cached || current.LastUsedTime > now - UsedRefresh))
        {
            return;
        }

        var entry = new ImageNodeStatus
        {
            Node = options.NodeName,
            State = state,
            Message = message,
            LastUsedTime = state == ImageCacheState.Cached ? now : current?.LastUsedTime,
        };
        try
        {
            await client.ApplyNodeStatusAsync(image, new ImageStatus { Nodes = [entry] }, FieldManager, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning("image {Namespace}/{Image}: reporting its cache state {State} on node {Node} failed: {Message}",
                image.Metadata.NamespaceProperty, image.Metadata.Name, state, options.NodeName, e.Message);
        }
    }
}
