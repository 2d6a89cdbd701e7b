using YamlDotNet.RepresentationModel;

namespace KubeCloud.ControllerRuntime.Config;

/// <summary>
/// Reads <c>clusters[].cluster.proxy-url</c> of a context from a kubeconfig. KubernetesClient's kubeconfig model has
/// no such field and ignores it silently, so a client behind a proxy would go direct; this fills the gap and nothing else.
/// </summary>
public static class KubeconfigProxyUrl
{
    /// <summary>The proxy of <paramref name="context"/> (or the current context), or null when its cluster has none.</summary>
    public static Uri? Read(string kubeconfigPath, string? context = null)
    {
        var yaml = new YamlStream();
        using (var reader = File.OpenText(kubeconfigPath))
        {
            yaml.Load(reader);
        }

        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode root)
        {
            return null;
        }

        var contextName = context ?? Scalar(root, "current-context");
        var clusterName = Named(root, "contexts", contextName) is { } ctx ? Scalar(Child(ctx, "context"), "cluster") : null;
        var cluster = Named(root, "clusters", clusterName);
        return Scalar(Child(cluster, "cluster"), "proxy-url") is { Length: > 0 } proxyUrl
            ? ClusterProxy.Parse(proxyUrl, clusterName!)
            : null;
    }

    private static YamlMappingNode? Named(YamlMappingNode root, string list, string? name) =>
        name is null || Child(root, list) is not YamlSequenceNode items
            ? null
            : items.Children.OfType<YamlMappingNode>().FirstOrDefault(item => Scalar(item, "name") == name);

    private static YamlNode? Child(YamlNode? node, string key) =>
        node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null;

    private static string? Scalar(YamlNode? node, string key) => (Child(node, key) as YamlScalarNode)?.Value;
}
