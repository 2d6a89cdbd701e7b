using k8s;

namespace KubeCloud.ControllerRuntime.Config;

/// <summary>
/// Where the operator finds its cluster: KubernetesClient's <see cref="KubernetesClientConfiguration"/> (kubeconfig
/// with contexts, <c>KUBECONFIG</c>, certificates, tokens, token files and exec plugins; in-cluster service account
/// with its rotating token) plus the one kubeconfig field the package drops, <c>proxy-url</c>.
/// </summary>
public static class ClusterConfig
{
    /// <summary>
    /// In a pod, the service account; otherwise the kubeconfig (<paramref name="kubeconfigPath"/>, else <c>KUBECONFIG</c>,
    /// else <c>~/.kube/config</c>) at <paramref name="context"/> or its current context.
    /// </summary>
    public static KubernetesClientConfiguration Load(string? kubeconfigPath = null, string? context = null) =>
        kubeconfigPath is null && context is null && KubernetesClientConfiguration.IsInCluster()
            ? Prepare(KubernetesClientConfiguration.InClusterConfig(), null)
            : FromKubeconfig(kubeconfigPath ?? DefaultKubeconfigPath(), context);

    /// <summary>The configuration of <paramref name="context"/> (or the current one) in the kubeconfig at <paramref name="path"/>.</summary>
    public static KubernetesClientConfiguration FromKubeconfig(string path, string? context = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var config = KubernetesClientConfiguration.BuildConfigFromConfigObject(KubeconfigFile.Read(path), context);
        return Prepare(config, KubeconfigProxyUrl.Read(path, context));
    }

    private static KubernetesClientConfiguration Prepare(KubernetesClientConfiguration config, Uri? proxy)
    {
        // Before anything in the process (a Kubernetes client's first GET included) reads JSON through KubernetesJson:
        // its source-generated context would otherwise load every model type inside that first, time-boxed request.
        _ = Client.KubernetesJsonOptions.Options;
        // Watches stream for as long as the server keeps them open; KubeClient puts its own timeout on other requests.
        config.HttpClientTimeout = Timeout.InfiniteTimeSpan;
        if (proxy is not null)
        {
            var previous = config.FirstMessageHandlerSetup;
            config.FirstMessageHandlerSetup = handler =>
            {
                previous?.Invoke(handler);
                handler.Proxy = new ClusterProxy(proxy);
                handler.UseProxy = true;
            };
        }

        return config;
    }

    private static string DefaultKubeconfigPath() =>
        Environment.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 } variable
            ? variable.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)[0]
            : KubernetesClientConfiguration.KubeConfigDefaultLocation;
}
