using System.Net;
using k8s;
using KubeCloud.Node.Agent;
using KubeCloud.Node.Agent.Hosting;
using KubeCloud.Node.Agent.Volumes;
using KubeCloud.Node.CloudInit;
using KubeCloud.Node.Compute;
using KubeCloud.Node.Hypervisor;
using KubeCloud.Node.Images;
using KubeCloud.Node.Processes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace KubeCloud.Local.Cli;

/// <summary>
/// The node daemon for this host in this process, as <c>kubecloud-node</c> composes it (<see cref="NodeAgentHost.Build"/>):
/// real libvirt at qemu:///system, KVM where it runs guests and QEMU's TCG where it does not (probed with the demo guest's
/// kernel), host networking on, its state under the data directory. A restart adopts the guests a crash left running.
/// </summary>
internal sealed class LocalNode : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LocalNode(WebApplication app, LibvirtDriver driver, NodeAgentOptions options)
    {
        _app = app;
        Driver = driver;
        Options = options;
    }

    public LibvirtDriver Driver { get; }

    public NodeAgentOptions Options { get; }

    public static async Task<LocalNode> StartAsync(KubernetesClientConfiguration cluster, LocalFlags flags, string probeKernel, Action<string> step, CancellationToken cancellationToken)
    {
        LibvirtDriver driver;
        try
        {
            driver = LibvirtDriver.Open("qemu:///system");
            _ = driver.List();
        }
        catch (Exception e) when (e is LibvirtException or DllNotFoundException)
        {
            throw new LocalStartupException($"libvirtd at qemu:///system does not answer: {e.Message}", e);
        }

        try
        {
            step("probing KVM (a real kernel boot under -accel kvm, up to 15 s; the result is kept until the host reboots)");
            var probe = await new KvmProbe
            {
                KernelCandidates = [probeKernel],
                CacheFile = Path.Combine(flags.NodeStateDirectory, KvmProbe.CacheFileName),
            }.ProbeAsync(cancellationToken);
            step($"guests run under {probe.Type.ToString().ToLowerInvariant()}: {probe.Reason}");
            Directory.CreateDirectory(flags.NodeStateDirectory);

            // The console endpoint on loopback only: the operator (same host) is its one caller.
            var console = new IPEndPoint(IPAddress.Loopback, FreeLoopbackPort());
            var node = new NodeAgentOptions
            {
                NodeName = flags.NodeName,
                StateDirectory = flags.NodeStateDirectory,
                Hypervisor = probe.Type,
                HypervisorReason = probe.Reason,
                HypervisorVersion = $"libvirt {driver.LibraryVersion}",
                ManageNetworks = true,

                // One node: VXLAN traffic never leaves the host, and the cloud does not depend on the host's interfaces.
                TunnelIp = IPAddress.Loopback,

                // The storage role too (cinder-volume): volumes as sparse files in the node's state directory, exported by
                // the tgtd that host-setup.sh starts on 127.0.0.1:3260.
                Storage = StorageRoleOptions.Parse("file:" + Path.Combine(flags.NodeStateDirectory, "volumes")) with { Portal = "127.0.0.1:3260" },
                ShutdownTimeout = TimeSpan.FromSeconds(30),
                ConsoleUrl = new Uri($"http://127.0.0.1:{console.Port}/"),
            };
            var run = ProcessCommandRunner.Instance;
            var files = new LocalInstanceFiles(new ImageCache(node.ImagesDirectory, new HttpClient(), new QemuImg(run)), new QemuImg(run), new NoCloudSeedBuilder(run));
            var app = NodeAgentHost.Build(new NodeAgentHostOptions
            {
                Node = node,
                Cluster = cluster,
                Driver = driver,
                Files = files,
                MinimumLogLevel = LogLevel.Warning,
                ConsoleAddress = console,
            });
            await app.StartAsync(cancellationToken);
            return new LocalNode(app, driver, node);
        }
        catch
        {
            driver.Dispose();
            throw;
        }
    }

    private static int FreeLoopbackPort()
    {
        using var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>Stops the daemon (the guests keep running until <see cref="HostCleanup"/> removes them).</summary>
    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }
}
