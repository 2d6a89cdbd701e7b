using System.Diagnostics;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Node.Hypervisor;
using KubeCloud.Node.Images;
using KubeCloud.Node.Mapping;
using ImageSource = KubeCloud.Node.Images.ImageSource;

namespace KubeCloud.Node.Compute;

/// <summary>What the node has read about one server bound to it, and what it wants of it.</summary>
/// <param name="Build">The Server with its Flavor, Ports (with Networks) and attached Volumes.</param>
/// <param name="Image">The image to boot from (null for a server that boots from a volume).</param>
/// <param name="ChapSecrets">CHAP passwords of the attached volumes, by the libvirt secret UUID they go into.</param>
public sealed record InstanceRequest(ServerBuild Build, ImageSource? Image, IReadOnlyDictionary<Guid, byte[]> ChapSecrets)
{
    public DesiredPowerState Power => Build.Server.Spec.PowerState;

    /// <summary>The value of the reboot annotation; a value not yet handled asks for one reboot.</summary>
    public string? RebootRequestedAt => Build.Server.Metadata.Annotations is { } a && a.TryGetValue(ApiGroup.RebootRequestedAtAnnotation, out var v) ? v : null;
}

/// <summary>The provisioning steps the node times and reports (nova's task states of a build).</summary>
public enum InstanceStep
{
    Image,
    Volumes,
    Spawn,
    Power,
}

/// <summary>Where a server stands on this host after one pass.</summary>
/// <param name="PowerState">As libvirt reports it (a managed-save image shows as Suspended).</param>
/// <param name="Converged">Whether the domain is in the desired power state and every step is done.</param>
/// <param name="Refusal">Why the desired power state was refused (e.g. no room to suspend); the guest is left as it was.</param>
/// <param name="StepTimes">Time spent in each step this pass.</param>
/// <param name="Rebooted">Whether this pass handled a reboot request.</param>
public sealed record InstanceObservation(
    ObservedPowerState PowerState,
    bool Converged,
    string? Refusal,
    IReadOnlyDictionary<InstanceStep, TimeSpan> StepTimes,
    bool Rebooted);

/// <summary>A step failed; <see cref="Step"/> names it for the Server's fault and conditions.</summary>
public sealed class InstanceStepException(InstanceStep step, string message, Exception? inner = null) : Exception($"{step.ToString().ToLowerInvariant()}: {message}", inner)
{
    public InstanceStep Step { get; } = step;
}

/// <summary>
/// nova-compute's build-and-run and power actions for one server, as one idempotent pass: image cached and verified,
/// CHAP secrets defined, disks and seed in place, domain defined, then one power action towards
/// <c>spec.powerState</c>. Safe to run again at any point and after a restart: what exists is adopted (a running
/// guest is never restarted to converge), what is missing is made. Networks (bridges, VXLAN, DHCP) are per network,
/// not per server, and are set up before this runs.
/// </summary>
public sealed class InstanceConverger(IHypervisorDriver driver, IInstanceFiles files, NodeLayout layout, SuspendSpace suspendSpace)
{
    /// <summary>How long a guest gets to power off on ACPI before it is forced (nova's shutdown_timeout default).</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public async Task<InstanceObservation> ConvergeAsync(InstanceRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var build = request.Build;
        var times = new Dictionary<InstanceStep, TimeSpan>();
        var domain = ServerDomainMapper.ToDomainSpec(build, layout);
        var owner = Owner(build.Server);
        var volumesPending = false;

        if (driver.Find(domain.Name) is null)
        {
            if (request.Image is { } image)
            {
                await TimedAsync(InstanceStep.Image, times, () => files.EnsureImageAsync(image, cancellationToken));
            }

            await TimedAsync(InstanceStep.Volumes, times, () =>
            {
                DefineSecrets(request);
                return Task.CompletedTask;
            });
            await TimedAsync(InstanceStep.Spawn, times, async () =>
            {
                if (request.Image is { } source)
                {
                    WriteImageMarker(build.Server, source); // before the overlay takes its reference, so removal always finds it
                }

                await files.EnsureDisksAsync(domain, request.Image, ServerDomainMapper.RootDiskBytes(build.Flavor), build.Flavor.Spec.EphemeralDisk.Value(),
                    ServerDomainMapper.ToSeed(build), owner, cancellationToken);
                driver.Define(DomainXmlBuilder.Build(domain));
            });
        }
        else
        {
            // Adopted or already built: secrets may have been lost with a libvirtd restart; the definition is kept
            // as it is, so a running guest is not disturbed, unless the flavor changed (a resize, below). Volumes
            // added to or removed from the spec are hot-plugged and unplugged.
            await TimedAsync(InstanceStep.Volumes, times, () =>
            {
                DefineSecrets(request);
                volumesPending = !VolumeDisks.Converge(driver, domain);
                return Task.CompletedTask;
            });
            var rootDisk = ServerDomainMapper.RootDiskBytes(build.Flavor);
            if (DomainSize.Parse(driver.GetXml(domain.Name)) != DomainSize.Of(domain)
                || await files.RootDiskBytesAsync(domain, cancellationToken) < rootDisk)
            {
                await TimedAsync(InstanceStep.Spawn, times, () => ResizeAsync(domain, rootDisk, cancellationToken));
            }
        }

        var rebooted = false;
        string? refusal = null;
        await TimedAsync(InstanceStep.Power, times, async () =>
        {
            rebooted = Reboot(request, domain.Name);
            refusal = await ApplyPowerAsync(domain, request.Power, cancellationToken);
        });

        var status = driver.GetStatus(domain.Name);
        var saved = driver.HasManagedSaveImage(domain.Name);
        var converged = refusal is null && !volumesPending && PowerPlanner.Next(status, saved, request.Power) == PowerAction.None;
        return new InstanceObservation(PowerPlanner.Observe(status, saved), converged, refusal, times, rebooted);
    }

    /// <summary>
    /// Removes everything of the server from the host (a deleted Server's finalizer): the domain (forced off), its
    /// definition and managed-save image, its CHAP secrets (those its volume disks name, and <paramref name="chapSecrets"/>), its files and its image reference. Missing parts are fine.
    /// </summary>
    public async Task RemoveAsync(Server server, IEnumerable<Guid> chapSecrets, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(chapSecrets);
        var name = ServerDomainMapper.DomainName(server);
        if (driver.Find(name) is { } found)
        {
            chapSecrets = [.. chapSecrets, .. VolumeDisks.Attached(driver.GetXml(name)).Select(d => d.ChapSecretUuid).OfType<Guid>()];
            if (found.Status.IsActive)
            {
                driver.Destroy(name);
            }

            driver.Undefine(name);
        }

        foreach (var secret in chapSecrets.Distinct())
        {
            driver.UndefineSecret(secret);
        }

        var directory = layout.InstanceDirectory(server);
        var image = ReadImageMarker(directory);
        await files.RemoveAsync(directory, image, Owner(server), cancellationToken);
    }

    /// <summary>Domains of this node (named kc-*) that belong to none of <paramref name="servers"/>: orphans to remove once caches have synced.</summary>
    public IReadOnlyList<DomainInfo> Orphans(IEnumerable<Server> servers)
    {
        var known = servers.Select(ServerDomainMapper.DomainName).ToHashSet(StringComparer.Ordinal);
        return [.. driver.List().Where(d => d.Name.StartsWith(ServerDomainMapper.DomainPrefix, StringComparison.Ordinal) && !known.Contains(d.Name))];
    }

    /// <summary>
    /// nova's resize on the same host: when the defined vCPUs or memory differ from the flavor's, or the root disk is
    /// smaller than the flavor's, the guest is powered off cleanly (a suspended guest is restored first, a paused one
    /// resumed, so its ACPI button is heard), the root disk grown (<c>qemu-img resize</c> of the overlay: the guest sees
    /// a bigger vda, its partitions and file systems are its own to grow, as with nova), the domain redefined with the
    /// new size under the same UUID and disks, and the power step then starts it again as <c>spec.powerState</c> wants.
    /// A guest that is off is simply redefined. Called only while the sizes differ; a disk is never shrunk (a revert
    /// to a smaller flavor keeps the grown disk; admission refuses a resize down).
    /// </summary>
    private async Task ResizeAsync(DomainSpec domain, long rootDiskBytes, CancellationToken cancellationToken)
    {
        if (driver.HasManagedSaveImage(domain.Name) && !driver.GetStatus(domain.Name).IsActive)
        {
            driver.Start(domain.Name); // restore: saved memory cannot be restored into another size
        }

        if (driver.GetStatus(domain.Name).State is DomainState.Paused or DomainState.PMSuspended)
        {
            driver.Resume(domain.Name);
        }

        if (driver.GetStatus(domain.Name).IsActive)
        {
            await driver.ShutdownAsync(domain.Name, ShutdownTimeout, cancellationToken);
        }

        await files.GrowRootDiskAsync(domain, rootDiskBytes, cancellationToken); // a smaller flavor's disk is kept (never shrunk)
        driver.Define(DomainXmlBuilder.Build(domain));
    }

    private async Task<string?> ApplyPowerAsync(DomainSpec domain, DesiredPowerState desired, CancellationToken cancellationToken)
    {
        // At most two actions (PowerPlannerTests): e.g. resume, then shut down.
        for (var step = 0; step < 2; step++)
        {
            var action = PowerPlanner.Next(driver.GetStatus(domain.Name), driver.HasManagedSaveImage(domain.Name), desired);
            switch (action)
            {
                case PowerAction.None:
                    return null;
                case PowerAction.Start:
                    driver.Start(domain.Name);
                    break;
                case PowerAction.Resume:
                    driver.Resume(domain.Name);
                    break;
                case PowerAction.Pause:
                    driver.Suspend(domain.Name);
                    break;
                case PowerAction.Shutdown:
                    await driver.ShutdownAsync(domain.Name, ShutdownTimeout, cancellationToken);
                    break;
                case PowerAction.Suspend:
                    using (var room = suspendSpace.TryReserve((long)domain.MemoryMiB << 20, out var refusal))
                    {
                        if (room is null)
                        {
                            return refusal;
                        }

                        driver.ManagedSave(domain.Name);
                    }

                    break;
            }
        }

        return null;
    }

    /// <summary>
    /// Reboots once per new value of the reboot annotation. The value last handled is kept in the instance directory,
    /// so a restarted daemon does not reboot again; a stopped guest only records the value (nova refuses a reboot of a
    /// stopped server; here the request is simply satisfied by the next boot).
    /// </summary>
    private bool Reboot(InstanceRequest request, string domainName)
    {
        if (request.RebootRequestedAt is not { } requested)
        {
            return false;
        }

        var marker = Path.Combine(layout.InstanceDirectory(request.Build.Server), "reboot-requested-at");
        if (File.Exists(marker) && File.ReadAllText(marker) == requested)
        {
            return false;
        }

        var rebooted = false;
        if (driver.GetStatus(domainName).State is DomainState.Running or DomainState.Blocked)
        {
            driver.Reboot(domainName);
            rebooted = true;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(marker)!);
        File.WriteAllText(marker, requested);
        return rebooted;
    }

    private void DefineSecrets(InstanceRequest request)
    {
        foreach (var attached in request.Build.Volumes)
        {
            var uuid = ServerDomainMapper.ChapSecretUuid(attached.Volume);
            if (request.ChapSecrets.TryGetValue(uuid, out var password) && !driver.SecretExists(uuid))
            {
                // libvirt refuses a second secret with one usage name: the uid keeps a volume re-created under the same
                // name (or another cloud's leftover) from colliding with this one.
                driver.DefineSecret(uuid, "iscsi", $"kubecloud/{attached.Volume.Metadata.NamespaceProperty}/{attached.Volume.Metadata.Name}/{attached.Volume.Metadata.Uid}", password);
            }
        }
    }

    private void WriteImageMarker(Server server, ImageSource image)
    {
        var directory = layout.InstanceDirectory(server);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "image.sha256"), image.Sha256.ToLowerInvariant());
    }

    private static string? ReadImageMarker(string directory)
    {
        var path = Path.Combine(directory, "image.sha256");
        return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
    }

    private static string Owner(Server server) => server.Metadata.Uid ?? ServerDomainMapper.DomainName(server);

    private static async Task TimedAsync(InstanceStep step, Dictionary<InstanceStep, TimeSpan> times, Func<Task> work)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            await work();
        }
        catch (Exception e) when (e is not OperationCanceledException and not InstanceStepException)
        {
            throw new InstanceStepException(step, e.Message, e);
        }
        finally
        {
            times[step] = watch.Elapsed;
        }
    }
}
