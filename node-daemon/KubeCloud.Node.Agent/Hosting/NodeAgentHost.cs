using System.Net;
using k8s;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Cache;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Controllers;
using KubeCloud.ControllerRuntime.Hosting;
using KubeCloud.Node.Agent.Heartbeat;
using KubeCloud.Node.Agent.Images;
using KubeCloud.Node.Agent.Networks;
using KubeCloud.Node.Agent.SerialConsole;
using KubeCloud.Node.Agent.Servers;
using KubeCloud.Node.Agent.Volumes;
using KubeCloud.Node.Compute;
using KubeCloud.Node.Hypervisor;
using KubeCloud.Node.Mapping;
using KubeCloud.Node.Networking;
using KubeCloud.Node.Processes;
using KubeCloud.Node.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace KubeCloud.Node.Agent.Hosting;

using Hypervisor = KubeCloud.Api.V1Alpha1.Hypervisor;

/// <summary>What the node daemon runs on: the cluster, the hypervisor driver and the instance files (real or in memory).</summary>
public sealed record NodeAgentHostOptions
{
    public required NodeAgentOptions Node { get; init; }

    /// <summary>The cluster; null loads the in-cluster service account or the kubeconfig.</summary>
    public KubernetesClientConfiguration? Cluster { get; init; }

    public KubeClientOptions Client { get; init; } = new();

    public required IHypervisorDriver Driver { get; init; }

    public required IInstanceFiles Files { get; init; }

    /// <summary>Where /metrics listens (null: nowhere).</summary>
    public IPEndPoint? MetricsAddress { get; init; }

    /// <summary>Where /healthz and /readyz listen (null: nowhere); the same address as metrics serves all three.</summary>
    public IPEndPoint? HealthProbeAddress { get; init; }

    /// <summary>Where the console endpoint listens (null: nowhere); advertise it with <see cref="NodeAgentOptions.ConsoleUrl"/>.</summary>
    public IPEndPoint? ConsoleAddress { get; init; }

    public bool JsonLogs { get; init; } = true;

    public LogLevel MinimumLogLevel { get; init; } = LogLevel.Information;
}

/// <summary>
/// The composition root of the node daemon (the kubecloud-node binary and the tests build it alike): the controller
/// runtime with node-scoped informers, the Server controller (and the Network controller when the node manages host
/// networking), the Hypervisor heartbeat and the orphan sweep. The runtime waits for the caches before the controllers
/// start; /readyz turns ready then.
/// </summary>
public static class NodeAgentHost
{
    public static WebApplication Build(NodeAgentHostOptions host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var node = host.Node;
        // The empty builder: Kestrel, routing and logging only. The slim builder's extras (appsettings.json with a file
        // watcher, environment configuration, host filtering, forwarded headers) are nothing the daemon reads: its
        // configuration is its flags (node-daemon/README.md, "Memory").
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.Services.AddRoutingCore();
        builder.Services.AddLogging();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            Listen(kestrel, host.MetricsAddress, host.HealthProbeAddress);
            if (host.ConsoleAddress is { } console)
            {
                kestrel.Listen(console, l => l.Named(ConsoleEndpoint.Listener));
            }
        });
        builder.Logging.AddOperatorConsole(host.JsonLogs).SetMinimumLevel(host.MinimumLogLevel);
        var services = builder.Services;
        services.AddKubeCloudOperator(o =>
        {
            o.Cluster = host.Cluster;
            o.Client = host.Client;
            o.EventSource = "kubecloud.io/node";
        });

        // Registered after the runtime's own factory, so this one (with the Server informer restricted to this node) wins.
        services.AddSingleton(sp => NodeInformers.Restrict(
            new SharedInformerFactory(sp.GetRequiredService<IKubeClient>(), new InformerOptions(), sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<TimeProvider>()),
            node));
        services.AddSingleton(node);
        services.AddSingleton(host.Driver);
        services.AddSingleton(host.Files);
        services.AddSingleton<NodeInformers>();
        services.AddSingleton(new NodeLayout(node.InstancesDirectory, node.Hypervisor) { DevicePrefix = node.DevicePrefix });
        services.AddSingleton(new SuspendSpace(node.SaveDirectory));
        services.AddSingleton(sp => new InstanceConverger(host.Driver, host.Files, sp.GetRequiredService<NodeLayout>(), sp.GetRequiredService<SuspendSpace>())
        {
            ShutdownTimeout = node.ShutdownTimeout,
        });
        if (node.ManageNetworks)
        {
            services.TryAddSingleton<ICommandRunner, ProcessCommandRunner>();
            services.AddSingleton(sp => new BridgeNetwork(sp.GetRequiredService<ICommandRunner>()));
            services.AddSingleton(sp => new DnsmasqServer(sp.GetRequiredService<ICommandRunner>(), node.StateDirectory));
            services.AddSingleton<INetworkConverger, NetworkConverger>();
            services.AddController<Network, NetworkReconciler>((c, _) => c
                .Named("node-network")
                .Watches<Port>(NetworkReconciler.NetworkOf));
        }
        else
        {
            services.AddSingleton<INetworkConverger, NullNetworkConverger>();
        }

        services.AddController<Server, ServerReconciler>((c, sp) =>
        {
            var cache = sp.GetRequiredService<NodeInformers>();
            c.Named("node-server")
                .Watches<Port>(port => ServerOf(cache, port))
                .Watches<Image>(image => cache.Servers.Store.ByIndex(NodeInformers.ServersByImage, NodeInformers.Key(image.Metadata.NamespaceProperty, image.Metadata.Name))
                    .Where(NeedsImage).Select(ReconcileRequest.For))
                .Watches<Volume>(volume => cache.Servers.Store.ByIndex(NodeInformers.ServersByVolume, NodeInformers.Key(volume.Metadata.NamespaceProperty, volume.Metadata.Name)).Select(ReconcileRequest.For))
                .WithWorkers(node.ServerWorkers);
        });
        if (node.Storage is { } storage)
        {
            services.AddSingleton(storage);
            services.TryAddSingleton<ICommandRunner, ProcessCommandRunner>();
            services.AddSingleton(sp => new StorageRole(storage,
                new TgtTargetStore(sp.GetRequiredService<ICommandRunner>(), storage.Store.CreateStore(sp.GetRequiredService<ICommandRunner>()), $"{StorageRole.IqnPrefix}:{node.NodeName}"),
                node));
            services.AddController<Volume, VolumeExportReconciler>((c, _) => c.Named("node-volume").WithWorkers(2));
            services.AddSingleton<OrphanTargetSweeper>();
            services.AddHostedService(sp => sp.GetRequiredService<OrphanTargetSweeper>());
        }

        services.AddSingleton<ChapSecretReader>();
        services.AddSingleton<BootConsoleEvents>();
        services.AddSingleton<ImageNodeReporter>();
        services.AddSingleton<HypervisorHeartbeat>();
        services.AddHostedService(sp => sp.GetRequiredService<HypervisorHeartbeat>());
        services.AddSingleton<OrphanSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<OrphanSweeper>());
        var app = builder.Build();
        app.MapOperatorEndpoints();
        app.MapConsoleEndpoint();
        return app;
    }

    /// <summary>Named listeners as kubecloud-operator has them: one per address, both names on one when they are equal.</summary>
    private static void Listen(KestrelServerOptions kestrel, IPEndPoint? metrics, IPEndPoint? health)
    {
        if (metrics is not null && metrics.Equals(health))
        {
            kestrel.Listen(metrics, l => l.Named(OperatorListeners.Metrics, OperatorListeners.Health));
            return;
        }

        if (metrics is not null)
        {
            kestrel.Listen(metrics, l => l.Named(OperatorListeners.Metrics));
        }

        if (health is not null)
        {
            kestrel.Listen(health, l => l.Named(OperatorListeners.Health));
        }

        if (metrics is null && health is null)
        {
            kestrel.Listen(IPAddress.Loopback, 0, l => l.Named("none")); // Kestrel would otherwise take localhost:5000.
        }
    }

    /// <summary>The server a port is bound to, when it is one of this node's.</summary>
    /// <summary>
    /// Whether an Image change can matter to a server: only until its image is in place (ImageReady True). After that its
    /// disks are made from the cached copy, and the Image's <c>status.nodes</c> writes of every node would otherwise wake
    /// every server built from it on every node.
    /// </summary>
    private static bool NeedsImage(Server server) => !Conditions.IsTrue(server.Status, ServerReasons.ImageReady);

    private static IEnumerable<ReconcileRequest> ServerOf(NodeInformers cache, Port port)
    {
        if (port.Status?.ServerRef is { } server && cache.Servers.Store.Get(port.Metadata.NamespaceProperty, server.Name) is not null)
        {
            yield return new ReconcileRequest(port.Metadata.NamespaceProperty, server.Name);
        }
    }
}
