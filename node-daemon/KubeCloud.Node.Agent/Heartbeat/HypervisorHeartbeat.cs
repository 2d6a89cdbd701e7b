using k8s.Models;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.Node.Agent.Volumes;
using KubeCloud.Node.Compute;
using KubeCloud.Node.HostFacts;
using KubeCloud.Node.Hypervisor;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KubeCloud.Node.Agent.Heartbeat;

using Hypervisor = KubeCloud.Api.V1Alpha1.Hypervisor;

/// <summary>
/// Creates this node's Hypervisor (named after the node) when it is missing and applies its status every
/// <see cref="NodeAgentOptions.HeartbeatInterval"/>: facts and capacity from <see cref="HostFactsReader"/>, the tunnel
/// IP, <c>lastHeartbeatTime</c>, with the storage role its backend's capabilities (<c>storage</c>), and the conditions Ready, LibvirtReachable and KvmUsable (libvirt is asked each beat). Each beat also
/// refreshes the domain and image cache metrics.
/// A failed beat is logged and the next one tries again.
/// </summary>
public sealed class HypervisorHeartbeat(
    IKubeClient client,
    NodeInformers cache,
    IHypervisorDriver driver,
    IInstanceFiles files,
    NodeAgentOptions options,
    TimeProvider time,
    ILogger<HypervisorHeartbeat> logger,
    StorageRole? storage = null) : BackgroundService
{
    /// <summary>Beats written so far (for tests and logs).</summary>
    public int Beats { get; private set; }

    /// <summary>Pauses the heartbeat (a test plays a node whose daemon stopped reporting).</summary>
    public bool Paused { get; set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.HeartbeatInterval, time);
        do
        {
            if (Paused)
            {
                continue;
            }

            try
            {
                await BeatAsync(stoppingToken);
                Beats++;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("heartbeat of Hypervisor {Node} failed: {Message}", options.NodeName, e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>The backend's capabilities; when they cannot be read (a missing VG), the backend with unknown capacity.</summary>
    private async Task<HypervisorStorage> StorageAsync(StorageRole storage, CancellationToken cancellationToken)
    {
        try
        {
            return await storage.CapabilitiesAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning("Hypervisor {Node}: capacity of the {Backend} volume backend unknown: {Message}", options.NodeName, storage.Options.BackendName, e.Message);
            return new HypervisorStorage { BackendName = storage.Options.BackendName, ThinProvisioning = storage.Options.ThinProvisioning };
        }
    }

    public async Task BeatAsync(CancellationToken cancellationToken)
    {
        string? libvirtError = null;
        try
        {
            NodeMetrics.CountDomains(options.NodeName, driver.List());
        }
        catch (Exception e) when (e is LibvirtException or InvalidOperationException)
        {
            libvirtError = e.Message;
        }

        try
        {
            NodeMetrics.ObserveImageCache(options.NodeName, files);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A metric never fails the beat: a failed beat is a stale heartbeat, and the Hypervisor goes not Ready.
            logger.LogWarning("image cache metrics of node {Node} not read: {Message}", options.NodeName, e.Message);
        }

        var facts = HostFactsReader.Read(options.InstancesDirectory, new HypervisorProbeResult(options.Hypervisor, options.HypervisorReason, TimeSpan.Zero), options.TunnelIp);
        var current = cache.Hypervisors.Store.Get(null, options.NodeName);
        var status = HypervisorReport.Of(current, facts, libvirtError, options.HypervisorVersion, time.GetUtcNow());
        status.Storage = storage is null ? null : await StorageAsync(storage, cancellationToken);
        var hypervisor = current ?? new Hypervisor { Metadata = new V1ObjectMeta { Name = options.NodeName } };
        try
        {
            await client.ApplyNodeStatusAsync(hypervisor, status, cancellationToken);
        }
        catch (NotFoundException)
        {
            try
            {
                await client.CreateAsync(new Hypervisor { Metadata = new V1ObjectMeta { Name = options.NodeName } }, cancellationToken: cancellationToken);
                logger.LogInformation("created Hypervisor {Node}", options.NodeName);
            }
            catch (AlreadyExistsException)
            {
            }

            await client.ApplyNodeStatusAsync(hypervisor, status, cancellationToken);
        }

        await AdvertiseConsoleAsync(current, cancellationToken);
    }

    /// <summary>Keeps the annotation kubecloud.io/console-url equal to this node's console endpoint (merge patch of that key only).</summary>
    private async Task AdvertiseConsoleAsync(Hypervisor? current, CancellationToken cancellationToken)
    {
        var url = options.ConsoleUrl?.ToString();
        string? existing = null;
        if (url is null || (current?.Metadata.Annotations?.TryGetValue(ApiGroup.ConsoleUrlAnnotation, out existing) == true && existing == url))
        {
            return;
        }

        var patch = new Dictionary<string, object?> { ["metadata"] = new Dictionary<string, object?> { ["annotations"] = new Dictionary<string, object?> { [ApiGroup.ConsoleUrlAnnotation] = url } } };
        await client.PatchAsync<Hypervisor>(options.NodeName, null, KubePatch.Merge(patch), cancellationToken: cancellationToken);
    }
}
