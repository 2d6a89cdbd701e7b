using System.Net;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Scheduler.Hosts;

namespace KubeCloud.Scheduler.Requests;

/// <summary>Builds a <see cref="ScheduleRequest"/> from the Server and the objects it names.</summary>
public static class ScheduleRequestFactory
{
    /// <summary>Scope of extra specs ComputeCapabilitiesFilter reads.</summary>
    public const string CapabilitiesScope = "capabilities";

    /// <summary>Scope of extra specs AggregateInstanceExtraSpecsFilter reads.</summary>
    public const string AggregateScope = "aggregate_instance_extra_specs";

    /// <summary>
    /// The request for <paramref name="server"/>. <paramref name="nodeOfServer"/> gives the node a
    /// server of the same namespace runs on (or null): it resolves group members and the
    /// sameHost/differentHost hints (the allocation ledger's <c>NodeOf</c> does). Throws
    /// <see cref="JsonQueryException"/> for a malformed query hint and <see cref="ArgumentException"/>
    /// for a malformed buildNearHostIP. A flavor smaller than the image's minMemory or minDisk is
    /// refused first, with a <see cref="FlavorTooSmallException"/> (see <see cref="CheckImageMinimums"/>).
    /// </summary>
    public static ScheduleRequest Create(Server server, Flavor flavor, Image? image, ServerGroup? group, Func<string, string?> nodeOfServer)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(flavor);
        ArgumentNullException.ThrowIfNull(nodeOfServer);
        var ns = server.Metadata.NamespaceProperty ?? throw new ArgumentException("a Server needs metadata.namespace", nameof(server));
        var name = server.Metadata.Name ?? throw new ArgumentException("a Server needs metadata.name", nameof(server));
        var uid = string.IsNullOrEmpty(server.Metadata.Uid) ? throw new ArgumentException("a Server needs metadata.uid: claims are keyed by it", nameof(server)) : server.Metadata.Uid;
        var hints = server.Spec.SchedulerHints;
        var bootFromVolume = server.Spec.ImageRef is null;
        CheckImageMinimums(flavor, image, bootFromVolume);

        var request = new ScheduleRequest
        {
            Namespace = ns,
            Name = name,
            Uid = uid,
            Resources = Resources(flavor.Spec, image?.Spec, bootFromVolume),
            FlavorName = flavor.Metadata.Name ?? string.Empty,
            ImageKey = image is null ? null : $"{image.Metadata.NamespaceProperty ?? ns}/{image.Metadata.Name}",
            ImageName = image?.Metadata.Name,
            ImageArchitecture = image?.Spec.Properties?.Architecture,
            ImageHypervisorType = image?.Spec.Properties?.HypervisorType,
            AvailabilityZone = string.IsNullOrEmpty(server.Spec.AvailabilityZone) ? null : server.Spec.AvailabilityZone,
            SameHostNodes = ResolveNodes(hints?.SameHost, nodeOfServer),
            DifferentHostNodes = ResolveNodes(hints?.DifferentHost, nodeOfServer),
            Query = string.IsNullOrWhiteSpace(hints?.Query) ? null : JsonQuery.Parse(hints.Query),
            BuildNearNetwork = BuildNear(hints),
            TriedNodes = server.Status?.TriedNodes is { Count: > 0 } tried ? new HashSet<string>(tried, StringComparer.Ordinal) : new HashSet<string>(),
            ForceNode = string.IsNullOrEmpty(server.Spec.ForceNode) ? null : server.Spec.ForceNode,
        };

        request = WithExtraSpecs(request, flavor.Spec.ExtraSpecs);
        if (group is not null)
        {
            request = WithGroup(request, group, nodeOfServer);
        }

        return request;
    }

    /// <summary>
    /// The request to resize a placed server to <paramref name="newFlavor"/> (nova's resize): as
    /// <see cref="Create"/>, sized by the new flavor (checked against the image's minimums too), with
    /// <see cref="ScheduleRequest.ResizeSourceNode"/> set to the server's status.node, so the scheduler
    /// claims beside the current claim. Throws <see cref="InvalidOperationException"/> when the server
    /// is not placed or a resize is already open (status.resize).
    /// </summary>
    public static ScheduleRequest ForResize(Server server, Flavor newFlavor, Image? image, ServerGroup? group, Func<string, string?> nodeOfServer)
    {
        ArgumentNullException.ThrowIfNull(server);
        if (server.Status is not { Node: { Length: > 0 } node } status)
        {
            throw new InvalidOperationException($"server {server.Metadata.NamespaceProperty}/{server.Metadata.Name} has no status.node: only a placed server can be resized");
        }

        if (status.Resize is not null)
        {
            throw new InvalidOperationException($"server {server.Metadata.NamespaceProperty}/{server.Metadata.Name} has a resize waiting to be confirmed or reverted (status.resize from {status.Resize.SourceNode})");
        }

        return Create(server, newFlavor, image, group, nodeOfServer) with { ResizeSourceNode = node, TriedNodes = new HashSet<string>(StringComparer.Ordinal) };
    }

    /// <summary>
    /// nova's API checks of a flavor against the image (compute/api.py, before any scheduling):
    /// memory below the image's minMemory is FlavorMemoryTooSmall; a root disk below its minDisk is
    /// FlavorDiskSmallerThanMinDisk. As in nova the disk check is skipped when the flavor's root disk
    /// is 0 (the root disk then takes the image's minDisk) and when booting from a volume.
    /// Throws <see cref="FlavorTooSmallException"/> naming both values.
    /// </summary>
    public static void CheckImageMinimums(Flavor flavor, Image? image, bool bootFromVolume)
    {
        ArgumentNullException.ThrowIfNull(flavor);
        if (image is null)
        {
            return;
        }

        var spec = flavor.Spec;
        var flavorName = flavor.Metadata.Name ?? "(unnamed)";
        var imageName = $"{image.Metadata.NamespaceProperty}/{image.Metadata.Name}";
        if (image.Spec.MinMemory is { } minMemory && spec.Memory.CompareTo(minMemory) < 0)
        {
            throw new FlavorTooSmallException(
                FlavorTooSmallReason.FlavorMemoryTooSmall,
                $"Flavor's memory is too small for requested image (FlavorMemoryTooSmall): flavor '{flavorName}' has spec.memory {spec.Memory} ({spec.Memory.ToMebibytes()} MiB), image '{imageName}' needs spec.minMemory {minMemory} ({minMemory.ToMebibytes()} MiB).");
        }

        var root = spec.RootDisk;
        if (!bootFromVolume && !root.IsZero && image.Spec.MinDisk is { } minDisk && root.CompareTo(minDisk) < 0)
        {
            throw new FlavorTooSmallException(
                FlavorTooSmallReason.FlavorDiskSmallerThanMinDisk,
                $"Flavor's disk is smaller than the minimum size specified in image metadata (FlavorDiskSmallerThanMinDisk): flavor '{flavorName}' has spec.rootDisk {root} ({root.ToMebibytes()} MiB), image '{imageName}' needs spec.minDisk {minDisk} ({minDisk.ToMebibytes()} MiB).");
        }
    }

    /// <summary>vCPUs, memory and disk as nova counts them: root (or the image's minDisk when root is 0; nothing when booting from a volume) + ephemeral + swap.</summary>
    public static ResourceAmounts Resources(FlavorSpec flavor, ImageSpec? image, bool bootFromVolume)
    {
        ArgumentNullException.ThrowIfNull(flavor);
        var root = flavor.RootDisk.ToMebibytes();
        if (bootFromVolume)
        {
            root = 0;
        }
        else if (root == 0 && image?.MinDisk is { } minDisk)
        {
            root = minDisk.ToMebibytes();
        }

        return new ResourceAmounts(flavor.Vcpus, flavor.Memory.ToMebibytes(), root + flavor.EphemeralDisk.ToMebibytes() + flavor.Swap.ToMebibytes());
    }

    /// <summary>The resources recorded on a placed server (status.flavor), for rebuilding the ledger.</summary>
    public static ResourceAmounts Resources(FlavorSnapshot snapshot, bool bootFromVolume)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var root = bootFromVolume ? 0 : snapshot.RootDisk.ToMebibytes();
        return new ResourceAmounts(snapshot.Vcpus, snapshot.Memory.ToMebibytes(), root + snapshot.EphemeralDisk.ToMebibytes() + snapshot.Swap.ToMebibytes());
    }

    /// <summary>Splits the flavor's extra specs between the two filters that read them, as nova scopes them.</summary>
    public static ScheduleRequest WithExtraSpecs(ScheduleRequest request, IReadOnlyDictionary<string, string>? extraSpecs)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (extraSpecs is not { Count: > 0 })
        {
            return request;
        }

        var capabilities = new List<ExtraSpecRequirement>();
        var aggregates = new List<ExtraSpecRequirement>();
        foreach (var (key, value) in extraSpecs.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var colon = key.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                // nova: an unscoped key is checked by both filters.
                capabilities.Add(ExtraSpecRequirement.Parse(key, key, value));
                aggregates.Add(ExtraSpecRequirement.Parse(key, key, value));
                continue;
            }

            var scope = key[..colon];
            if (scope == CapabilitiesScope)
            {
                capabilities.Add(ExtraSpecRequirement.Parse(key, key[(colon + 1)..], value));
            }
            else if (scope == AggregateScope)
            {
                aggregates.Add(ExtraSpecRequirement.Parse(key, key[(colon + 1)..], value));
            }
        }

        return request with { CapabilitySpecs = capabilities, AggregateSpecs = aggregates };
    }

    private static ScheduleRequest WithGroup(ScheduleRequest request, ServerGroup group, Func<string, string?> nodeOfServer)
    {
        var perNode = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var member in group.Status?.Members ?? [])
        {
            if (member == request.Name || nodeOfServer(member) is not { } node)
            {
                continue;
            }

            perNode[node] = perNode.GetValueOrDefault(node) + 1;
        }

        return request with
        {
            GroupName = group.Metadata.Name,
            GroupPolicy = group.Spec.Policy,
            MaxServerPerHost = group.Spec.Rules?.MaxServerPerHost ?? 1,
            GroupMembersPerNode = perNode,
        };
    }

    private static HashSet<string>? ResolveNodes(List<string>? servers, Func<string, string?> nodeOfServer)
    {
        if (servers is not { Count: > 0 })
        {
            return null;
        }

        var nodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var server in servers)
        {
            if (nodeOfServer(server) is { } node)
            {
                nodes.Add(node);
            }
        }

        return nodes;
    }

    private static IPNetwork? BuildNear(SchedulerHints? hints)
    {
        if (string.IsNullOrEmpty(hints?.BuildNearHostIP))
        {
            return null;
        }

        if (!IPAddress.TryParse(hints.BuildNearHostIP, out var address))
        {
            throw new ArgumentException($"schedulerHints.buildNearHostIP '{hints.BuildNearHostIP}' is not an IP address");
        }

        // nova's default cidr hint is /24.
        var prefix = hints.Cidr ?? 24;
        var maxPrefix = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128;
        if (prefix < 0 || prefix > maxPrefix)
        {
            throw new ArgumentException($"schedulerHints.cidr {prefix} is not a prefix length for {hints.BuildNearHostIP} (0 to {maxPrefix})");
        }

        return NetworkOf(address, prefix);
    }

    /// <summary>The network of the given prefix length around an address.</summary>
    public static IPNetwork NetworkOf(IPAddress address, int prefixLength)
    {
        ArgumentNullException.ThrowIfNull(address);
        var bytes = address.GetAddressBytes();
        for (var bit = prefixLength; bit < bytes.Length * 8; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        return new IPNetwork(new IPAddress(bytes), prefixLength);
    }
}
