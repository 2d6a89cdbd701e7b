using KubeCloud.ControllerRuntime.Observability;
using KubeCloud.Node.Compute;
using KubeCloud.Node.Hypervisor;
using Prometheus;

namespace KubeCloud.Node.Agent;

/// <summary>The node daemon's own metrics, in the runtime's registry (served at /metrics beside the controller metrics).</summary>
public static class NodeMetrics
{
    private static readonly MetricFactory Factory = Metrics.WithCustomRegistry(RuntimeMetrics.Registry);

    /// <summary>Domains of this node (kc-*) by libvirt state.</summary>
    public static Gauge Domains { get; } = Factory.CreateGauge(
        "kubecloud_node_domains", "Domains of KubeCloud servers on this node, by libvirt state.", "node", "state");

    /// <summary>Time spent per provisioning step of a server (image, volumes, spawn, power), per pass.</summary>
    public static Histogram StepDuration { get; } = Factory.CreateHistogram(
        "kubecloud_node_provisioning_step_duration_seconds", "Time spent in each provisioning step of a server pass.",
        new HistogramConfiguration
        {
            LabelNames = ["node", "step"],
            Buckets = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
        });

    /// <summary>Orphaned domains and instance directories removed.</summary>
    public static Counter OrphansRemoved { get; } = Factory.CreateCounter(
        "kubecloud_node_orphans_removed_total", "Domains and instance directories removed because no Server of this node owns them, and networks no Network has any more.", "node");

    /// <summary>Image cache lookups when a server is built, by result.</summary>
    public static Counter ImageCacheRequests { get; } = Factory.CreateCounter(
        "kubecloud_node_image_cache_requests_total",
        "Image cache lookups when a server is built, by result: hit (cached and verified before), miss (downloaded and verified), error (the fetch or the check failed).",
        "node", "result");

    /// <summary>Bytes downloaded into the image cache.</summary>
    public static Counter ImageCacheDownloadedBytes { get; } = Factory.CreateCounter(
        "kubecloud_node_image_cache_downloaded_bytes_total", "Bytes downloaded into the node's image cache (the misses).", "node");

    /// <summary>Base images in the cache now.</summary>
    public static Gauge ImageCacheImages { get; } = Factory.CreateGauge(
        "kubecloud_node_image_cache_images", "Verified base images in the node's image cache.", "node");

    /// <summary>The cache's size on disk.</summary>
    public static Gauge ImageCacheBytes { get; } = Factory.CreateGauge(
        "kubecloud_node_image_cache_bytes", "Size on disk of the base images in the node's image cache.", "node");

    /// <summary>Brings the image cache metrics up to the cache's own counts (each heartbeat and at a test's call).</summary>
    public static void ObserveImageCache(string node, IInstanceFiles files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var statistics = files.ImageStatistics;
        ImageCacheRequests.WithLabels(node, "hit").IncTo(statistics.Hits);
        ImageCacheRequests.WithLabels(node, "miss").IncTo(statistics.Misses);
        ImageCacheRequests.WithLabels(node, "error").IncTo(statistics.Failures);
        ImageCacheDownloadedBytes.WithLabels(node).IncTo(statistics.DownloadedBytes);
        var usage = files.ImageUsage();
        ImageCacheImages.WithLabels(node).Set(usage.Images);
        ImageCacheBytes.WithLabels(node).Set(usage.Bytes);
    }

    public static void ObserveSteps(string node, InstanceObservation observation)
    {
        ArgumentNullException.ThrowIfNull(observation);
        foreach (var (step, time) in observation.StepTimes)
        {
            StepDuration.WithLabels(node, step.ToString().ToLowerInvariant()).Observe(time.TotalSeconds);
        }
    }

    /// <summary>Sets the domain gauge from the driver's list (every state, so a state that empties reads 0).</summary>
    public static void CountDomains(string node, IEnumerable<DomainInfo> domains)
    {
        var counts = Enum.GetValues<DomainState>().ToDictionary(s => s, _ => 0);
        foreach (var domain in domains.Where(d => d.Name.StartsWith(Mapping.ServerDomainMapper.DomainPrefix, StringComparison.Ordinal)))
        {
            counts[domain.Status.State]++;
        }

        foreach (var (state, count) in counts)
        {
            Domains.WithLabels(node, state.ToString().ToLowerInvariant()).Set(count);
        }
    }
}
