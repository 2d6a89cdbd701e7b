using System.Net;
using k8s;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Config;
using KubeCloud.Node.Agent;
using KubeCloud.Node.Agent.Hosting;
using KubeCloud.Node.CloudInit;
using KubeCloud.Node.Compute;
using KubeCloud.Node.Hypervisor;
using KubeCloud.Node.Images;
using KubeCloud.Node.Processes;
namespace KubeCloud.Node.Cli;

using Hypervisor = KubeCloud.Api.V1Alpha1.Hypervisor;

/// <summary>
/// What kubecloud-node checks before it runs, each failure one line naming what to fix: the cluster configuration
/// loads, the API server answers, libvirtd answers (and which hypervisor it can run: KVM or QEMU's TCG).
/// </summary>
public static class NodeStartup
{
    /// <summary>How long the API server gets to answer the first request.</summary>
    public static readonly TimeSpan ApiServerTimeout = TimeSpan.FromSeconds(10);

    public static async Task<NodeAgentHostOptions> PrepareAsync(NodeFlags flags, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(flags);
        var tunnelIp = TunnelIp(flags);
        var cluster = LoadCluster(flags);
        await CheckApiServerAsync(cluster, flags, cancellationToken);
        var (driver, probe, version) = await OpenDriverAsync(flags, cancellationToken);
        var run = ProcessCommandRunner.Instance;
        var stateDirectory = Path.GetFullPath(flags.StateDirectory);
        try
        {
            Directory.CreateDirectory(stateDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            driver.Dispose();
            throw new StartupException($"--state-dir {stateDirectory}: {e.Message}", e);
        }

        var node = new NodeAgentOptions
        {
            NodeName = flags.NodeName,
            StateDirectory = stateDirectory,
            Hypervisor = probe.Type,
            HypervisorReason = probe.Reason,
            HypervisorVersion = version,
            TunnelIp = tunnelIp,
            TunnelInterface = flags.TunnelInterface,
            TunnelNamespace = flags.TunnelNamespace,
            DevicePrefix = flags.DevicePrefix,
            ManageNetworks = flags.Driver == HypervisorDriverKind.Libvirt,
            Storage = flags.Storage,
            HeartbeatInterval = flags.HeartbeatInterval,
        };
        if (flags.ConsoleBindAddress is { } console)
        {
            // The operator reaches the node at its own address when bound to every address (the tunnel IP is the node's IP).
            var host = console.Address.Equals(IPAddress.Any) || console.Address.Equals(IPAddress.IPv6Any) ? node.TunnelIp : console.Address;
            node = node with { ConsoleUrl = host is null ? null : new UriBuilder("http", host.ToString(), console.Port).Uri };
        }

        if (flags.Driver == HypervisorDriverKind.Fake)
        {
            node = node with { SaveDirectory = Path.Combine(stateDirectory, "save") };
        }

        IInstanceFiles files = flags.Driver == HypervisorDriverKind.Fake
            ? new InMemoryInstanceFiles()
            : new LocalInstanceFiles(new ImageCache(node.ImagesDirectory, new HttpClient(), new QemuImg(run)), new QemuImg(run), new NoCloudSeedBuilder(run));
        return new NodeAgentHostOptions
        {
            Node = node,
            Cluster = cluster,
            Driver = driver,
            Files = files,
            MetricsAddress = flags.MetricsBindAddress,
            HealthProbeAddress = flags.HealthProbeBindAddress,
            ConsoleAddress = flags.ConsoleBindAddress,
            MinimumLogLevel = flags.LogLevel,
        };
    }

    /// <summary>The tunnel IP; a --tunnel-interface that does not exist or has no IPv4 address is the operator's to fix.</summary>
    private static System.Net.IPAddress? TunnelIp(NodeFlags flags) =>
        flags.ResolveTunnelIp() ?? (flags.TunnelInterface is { } device
            ? throw new StartupException($"--tunnel-interface {device}: no such interface, or it has no IPv4 address (give --tunnel-ip)")
            : null);

    private static KubernetesClientConfiguration LoadCluster(NodeFlags flags)
    {
        try
        {
            return ClusterConfig.Load(flags.Kubeconfig);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var source = flags.Kubeconfig is { } path ? $"--kubeconfig {path}" : "the in-cluster service account or the kubeconfig (KUBECONFIG, ~/.kube/config)";
            // The NativeAOT build leaves KubernetesClient's exec-plugin runner out (KubeCloud.Node.Cli/ILLink.Substitutions.xml).
            var why = e is NotSupportedException && !System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeCompiled
                ? "its user runs an exec credential plugin, which the NativeAOT kubecloud-node does not run (give it a token, a token file or a client certificate)"
                : e.Message;
            throw new StartupException($"cannot load the cluster configuration from {source}: {why}", e);
        }
    }

    /// <summary>One GET (the node's Hypervisor; not found is an answer too), without retries, within <see cref="ApiServerTimeout"/>.</summary>
    private static async Task CheckApiServerAsync(KubernetesClientConfiguration cluster, NodeFlags flags, CancellationToken cancellationToken)
    {
        using var client = new KubeClient(cluster, new KubeClientOptions { Retry = RetryPolicy.None, RequestTimeout = ApiServerTimeout, UserAgent = "kubecloud-node/0.1" });
        try
        {
            await client.GetAsync<Hypervisor>(flags.NodeName, cancellationToken: cancellationToken);
        }
        catch (NotFoundException)
        {
        }
        catch (KubeApiException e)
        {
            throw new StartupException($"the API server at {cluster.Host} refused the node daemon: {e.Message}", e);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new StartupException($"cannot reach the API server at {cluster.Host}: {Innermost(e).Message}", e);
        }
    }

    private static async Task<(IHypervisorDriver Driver, HypervisorProbeResult Probe, string? Version)> OpenDriverAsync(NodeFlags flags, CancellationToken cancellationToken)
    {
        if (flags.Driver == HypervisorDriverKind.Fake)
        {
            return (new FakeHypervisorDriver(), new HypervisorProbeResult(Node.Hypervisor.HypervisorType.Qemu, "fake hypervisor driver: no guests run", TimeSpan.Zero), "fake");
        }

        LibvirtDriver driver;
        try
        {
            driver = LibvirtDriver.Open(flags.LibvirtUri);
            _ = driver.List();
        }
        catch (Exception e) when (e is LibvirtException or DllNotFoundException)
        {
            throw new StartupException($"libvirtd at {flags.LibvirtUri} does not answer (--libvirt-uri): {e.Message}", e);
        }

        var probe = await new KvmProbe { CacheFile = Path.Combine(Path.GetFullPath(flags.StateDirectory), KvmProbe.CacheFileName) }.ProbeAsync(cancellationToken);
        return (driver, probe, $"libvirt {driver.LibraryVersion}");
    }

    private static Exception Innermost(Exception e) => e.InnerException is { } inner ? Innermost(inner) : e;
}
