using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Controllers;
using KubeCloud.ControllerRuntime.Objects;
using KubeCloud.Node.Agent.Images;
using KubeCloud.Node.Agent.Networks;
using KubeCloud.Node.Agent.Volumes;
using KubeCloud.Node.Compute;
using KubeCloud.Node.Hypervisor;
using KubeCloud.Node.Mapping;
using KubeCloud.Node.Networking;
using Microsoft.Extensions.Logging;

namespace KubeCloud.Node.Agent.Servers;

/// <summary>
/// nova-compute for the Servers bound to this node (label <c>kubecloud.io/node</c>): adds the finalizer
/// <c>kubecloud.io/node-cleanup</c> before making anything, wires the server's networks, runs the
/// <see cref="InstanceConverger"/> with a request built from the caches, and reports the node's fields of the status
/// (<see cref="ServerReport"/>). On deletion it removes the domain and the server's files, then its finalizer.
/// A failure is reported as a condition with a reason and retried with backoff.
/// </summary>
public sealed class ServerReconciler(
    IKubeClient client,
    NodeInformers cache,
    InstanceConverger converger,
    INetworkConverger networks,
    IHypervisorDriver driver,
    ChapSecretReader chapSecrets,
    NodeAgentOptions options,
    TimeProvider time,
    BootConsoleEvents consoleEvents,
    ImageNodeReporter images,
    ILogger<ServerReconciler> logger) : IReconciler<Server>
{
    /// <summary>How soon a server waiting for the operator (a port's MAC, a VNI) is looked at again.</summary>
    private static readonly TimeSpan WaitRetry = TimeSpan.FromSeconds(2);

    private readonly ServerBuildReader _reader = new(cache, options.NodeName);

    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken)
    {
        var server = cache.Servers.Store.Get(request.Namespace, request.Name);
        if (server is null)
        {
            return ReconcileResult.Done; // gone, or no longer bound here: the orphan sweep removes what is left
        }

        if (server.Metadata.DeletionTimestamp is not null)
        {
            if (Finalizers.Has(server, NodeStatusApply.CleanupFinalizer))
            {
                await converger.RemoveAsync(server, [], cancellationToken);
                await Finalizers.RemoveAsync(client, server, NodeStatusApply.CleanupFinalizer, cancellationToken);
                consoleEvents.Forget(server);
                logger.LogInformation("server {Server}: removed from the host", request);
            }

            return ReconcileResult.Done;
        }

        var build = _reader.Read(server);
        if (build.Request is not { } instance)
        {
            await ReportAsync(server, ServerReport.Blocked(server, build.Reason!, build.Message!, Observe(server), options.Hypervisor, time.GetUtcNow()), cancellationToken);
            return build.Reason == ServerReasons.Waiting ? ReconcileResult.After(WaitRetry) : ReconcileResult.After(options.ResyncInterval);
        }

        var chap = await ReadChapAsync(instance, cancellationToken);
        if (chap.Waiting is { } waiting)
        {
            await ReportAsync(server, ServerReport.Blocked(server, ServerReasons.Waiting, waiting, Observe(server), options.Hypervisor, time.GetUtcNow()), cancellationToken);
            return ReconcileResult.After(WaitRetry);
        }

        server = await Finalizers.AddAsync(client, server, NodeStatusApply.CleanupFinalizer, cancellationToken);
        instance = chap.Request! with { Build = chap.Request!.Build with { Server = server } };
        try
        {
            foreach (var network in instance.Build.Ports.Select(p => p.Network).DistinctBy(n => n.Metadata.Uid ?? n.Metadata.Name))
            {
                await networks.EnsureAsync(network, cancellationToken);
            }
        }
        catch (NetworkSetupException e) when (e.Waiting)
        {
            // The operator has yet to provide something (a VNI): a wait, as for a port's MAC, not the Error a failure is.
            await ReportAsync(server, ServerReport.Blocked(server, ServerReasons.Waiting, "waiting for " + e.Message, Observe(server), options.Hypervisor, time.GetUtcNow()), cancellationToken);
            return ReconcileResult.After(WaitRetry);
        }
        catch (NetworkSetupException e)
        {
            await ReportAsync(server, ServerReport.Blocked(server, ServerReasons.NetworkSetupFailed, e.Message, Observe(server), options.Hypervisor, time.GetUtcNow()), cancellationToken);
            return ReconcileResult.RequeueNow;
        }

        InstanceObservation observation;
        try
        {
            observation = await converger.ConvergeAsync(instance, cancellationToken);
        }
        catch (InstanceStepException e)
        {
            logger.LogWarning("server {Server}: {Message}", request, e.Message);
            if (e.Step is InstanceStep.Spawn or InstanceStep.Power)
            {
                consoleEvents.SpawnFailed(server, e.Message);
            }

            if (e.Step is InstanceStep.Image)
            {
                await images.FailedAsync(server, e.Message, cancellationToken);
            }

            await ReportAsync(server, ServerReport.Failed(server, e, Observe(server), options.Hypervisor, time.GetUtcNow()), cancellationToken);
            return ReconcileResult.RequeueNow;
        }

        NodeMetrics.ObserveSteps(options.NodeName, observation);
        if (observation.StepTimes.ContainsKey(InstanceStep.Image))
        {
            await images.CachedAsync(server, cancellationToken);
        }

        consoleEvents.CheckSilence(server, observation.PowerState);
        await ReportInterfacesAsync(instance, cancellationToken);
        await ReportAsync(server, ServerReport.Of(server, instance, observation, options.Hypervisor, time.GetUtcNow()), cancellationToken);
        return observation.Converged || observation.Refusal is not null ? ReconcileResult.After(options.ResyncInterval) : ReconcileResult.RequeueNow;
    }

    /// <summary>
    /// The CHAP user of each volume (one GET of its Secret, named by <c>status.target.chapSecretRef</c>), and the password
    /// for the libvirt secret where libvirt does not hold it yet; or what is still missing.
    /// </summary>
    private async Task<(InstanceRequest? Request, string? Waiting)> ReadChapAsync(InstanceRequest instance, CancellationToken cancellationToken)
    {
        if (instance.Build.Volumes.Count == 0)
        {
            return (instance, null);
        }

        var volumes = new List<AttachedVolume>();
        var passwords = new Dictionary<Guid, byte[]>();
        foreach (var attached in instance.Build.Volumes)
        {
            var volume = attached.Volume;
            if (volume.Status?.Target?.ChapSecretRef is not { } secretRef)
            {
                volumes.Add(attached);
                continue;
            }

            ChapCredentials? credentials;
            try
            {
                credentials = await chapSecrets.ReadAsync(volume.Metadata.NamespaceProperty, secretRef.Name, cancellationToken);
            }
            catch (InvalidDataException e)
            {
                return (null, $"a valid CHAP secret for volume {volume.Metadata.Name}: {e.Message}");
            }

            if (credentials is null)
            {
                return (null, $"the CHAP secret {secretRef.Name} of volume {volume.Metadata.Name}");
            }

            volumes.Add(attached with { ChapUsername = credentials.Username });
            var uuid = ServerDomainMapper.ChapSecretUuid(volume);
            if (!driver.SecretExists(uuid))
            {
                passwords[uuid] = System.Text.Encoding.UTF8.GetBytes(credentials.Password);
            }
        }

        return (instance with { Build = instance.Build with { Volumes = volumes }, ChapSecrets = passwords }, null);
    }

    /// <summary>The domain's power state when it exists (a failure later than the definition keeps reporting it).</summary>
    private ObservedPowerState? Observe(Server server)
    {
        var name = ServerDomainMapper.DomainName(server);
        return driver.Find(name) is { } domain ? PowerPlanner.Observe(domain.Status, driver.HasManagedSaveImage(name)) : null;
    }

    /// <summary>Each port's <c>status.interfaceName</c> (the node's field): the tap of its NIC, once the domain is defined.</summary>
    private async Task ReportInterfacesAsync(InstanceRequest instance, CancellationToken cancellationToken)
    {
        foreach (var bound in instance.Build.Ports)
        {
            var tap = ServerDomainMapper.ToNicSpec(bound).TapName;
            if (bound.Port.Status?.InterfaceName != tap)
            {
                await client.ApplyNodeStatusAsync(bound.Port, new PortStatus { InterfaceName = tap }, cancellationToken);
            }
        }
    }

    private async Task ReportAsync(Server server, ServerStatus status, CancellationToken cancellationToken)
    {
        if (!ServerReport.Differs(server.Status, status))
        {
            return;
        }

        await client.ApplyNodeStatusAsync(server, status, cancellationToken);
    }
}
