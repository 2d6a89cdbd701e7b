using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.Node.Compute;
using KubeCloud.Node.Hypervisor;
using KubeCloud.Node.Mapping;
using KubeCloud.Node.Networking;
using KubeCloud.Node.Processes;
using KubeCloud.Node.Storage;

namespace KubeCloud.Local.Cli;

/// <summary>
/// What a clean stop removes from the host once the node daemon has stopped, so nothing of the cloud outlives the
/// process: the domains of this node's Servers (destroyed and undefined; their disks stay in the node's state directory and
/// the next start boots them again), the bridges and VXLAN devices of the cloud's Networks (taps go with their domains),
/// and the iSCSI targets of its Volumes. The objects stay in the data directory: a restart brings the same cloud back.
/// </summary>
internal sealed class HostCleanup(IKubeClient client, IHypervisorDriver driver, string nodeName, string nodeStateDirectory, TextWriter progress)
{
    private readonly ProcessCommandRunner _run = ProcessCommandRunner.Instance;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var failures = new List<string>();
        foreach (var server in ((await client.ListAsync<Server>(cancellationToken: cancellationToken)).Items ?? []).Where(OnThisNode))
        {
            var domain = ServerDomainMapper.DomainName(server);
            try
            {
                if (driver.Find(domain) is null)
                {
                    continue;
                }

                var secrets = VolumeDisks.Attached(driver.GetXml(domain)).Select(d => d.ChapSecretUuid).OfType<Guid>().ToList();
                if (driver.GetStatus(domain).State is not DomainState.Shutoff)
                {
                    driver.Destroy(domain);
                }

                driver.Undefine(domain);
                foreach (var secret in secrets.Where(driver.SecretExists))
                {
                    driver.UndefineSecret(secret);
                }

                progress.WriteLine($"kubecloud-local: removed domain {domain}{(secrets.Count > 0 ? $" and its {secrets.Count} CHAP secret(s)" : string.Empty)}");
            }
            catch (LibvirtException e)
            {
                failures.Add($"domain {domain}: {e.Message}");
            }
        }

        var bridges = new BridgeNetwork(_run);
        var dhcp = new DnsmasqServer(_run, nodeStateDirectory);
        foreach (var network in (await client.ListAsync<Network>(cancellationToken: cancellationToken)).Items ?? [])
        {
            var plan = new NetworkPlan { NetworkId = ServerDomainMapper.NetworkId(network) };
            try
            {
                // dnsmasq, its namespace and lease file first: its veth hangs on the bridge.
                await dhcp.TeardownAsync(plan.NetworkId, DeviceNames.DefaultPrefix, cancellationToken);
                if (await bridges.LinkExistsAsync(plan.BridgeName, cancellationToken) || await bridges.LinkExistsAsync(plan.VxlanName, cancellationToken))
                {
                    await bridges.TeardownAsync(plan, cancellationToken);
                    progress.WriteLine($"kubecloud-local: removed bridge {plan.BridgeName} and {plan.VxlanName} of network {network.Metadata?.NamespaceProperty}/{network.Metadata?.Name}");
                }
            }
            catch (CommandFailedException e)
            {
                failures.Add($"network {network.Metadata?.Name}: {e.Message}");
            }
        }

        var volumes = (await client.ListAsync<Volume>(cancellationToken: cancellationToken)).Items ?? [];
        foreach (var secret in volumes.Select(ServerDomainMapper.ChapSecretUuid).Where(driver.SecretExists))
        {
            try
            {
                driver.UndefineSecret(secret); // a volume's secret whose domain was already gone
                progress.WriteLine($"kubecloud-local: removed libvirt secret {secret}");
            }
            catch (LibvirtException e)
            {
                failures.Add($"libvirt secret {secret}: {e.Message}");
            }
        }

        var iqns = volumes
            .Select(v => v.Status?.Target?.Iqn).OfType<string>().Where(i => i.Length > 0).ToHashSet(StringComparer.Ordinal);
        if (iqns.Count > 0)
        {
            foreach (var target in await TargetsAsync(cancellationToken))
            {
                if (!iqns.Contains(target.Iqn))
                {
                    continue;
                }

                var removed = await _run.RunAsync("tgtadm", ["--lld", "iscsi", "--op", "delete", "--mode", "target", "--force", "--tid", target.Tid.ToString(System.Globalization.CultureInfo.InvariantCulture)], cancellationToken);
                if (removed.Succeeded)
                {
                    progress.WriteLine($"kubecloud-local: removed iSCSI target {target.Iqn}");
                }
                else
                {
                    failures.Add($"iSCSI target {target.Iqn}: {removed.StandardError.Trim()}");
                }
            }
        }

        if (failures.Count > 0)
        {
            throw new LocalStartupException("the host is not clean: " + string.Join("; ", failures));
        }

        bool OnThisNode(Server server) =>
            server.Status?.Node == nodeName || server.Metadata.Labels?.TryGetValue(ApiGroup.NodeLabel, out var node) == true && node == nodeName;
    }

    private async Task<IReadOnlyList<KubeCloud.Node.Storage.IscsiTarget>> TargetsAsync(CancellationToken cancellationToken)
    {
        // The store's volume root is not read to list targets.
        return await new TgtTargetStore(_run, Path.Combine(nodeStateDirectory, "volumes")).TargetsAsync(cancellationToken);
    }
}
