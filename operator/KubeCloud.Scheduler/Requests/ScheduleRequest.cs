using System.Net;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Scheduler.Claims;
using KubeCloud.Scheduler.Hosts;

namespace KubeCloud.Scheduler.Requests;

/// <summary>
/// What one server asks of the scheduler (nova's RequestSpec), immutable and typed: sizes from the
/// flavor, extra specs parsed once, image properties, zone, group policy with the nodes its members
/// run on, hints resolved to nodes, a compiled JsonFilter query, tried nodes and the namespace
/// (project). Build one with <see cref="ScheduleRequestFactory"/>.
/// </summary>
public sealed record ScheduleRequest
{
    private static readonly IReadOnlySet<string> NoNodes = new HashSet<string>();
    private static readonly IReadOnlyDictionary<string, int> NoMembers = new Dictionary<string, int>();

    /// <summary>The namespace, which is the project (tenant).</summary>
    public required string Namespace { get; init; }

    /// <summary>The Server's name.</summary>
    public required string Name { get; init; }

    /// <summary>The Server's metadata.uid: the key the ledger files its claims under.</summary>
    public required string Uid { get; init; }

    /// <summary>"namespace/name", for messages and name lookups.</summary>
    public string ServerKey => Namespace + "/" + Name;

    /// <summary>The server as the ledger knows it.</summary>
    public ServerRef Server => new(Uid, Namespace, Name);

    /// <summary>
    /// For a resize, the node the server runs on now: the claim is made beside the current one
    /// (<see cref="AllocationLedger.TryClaimResize"/>), and unless allowResizeToSameHost the node is
    /// left out of the candidates. Null for a new server.
    /// </summary>
    public string? ResizeSourceNode { get; init; }

    /// <summary>Resources to claim: vCPUs, memory and disk (root + ephemeral + swap) in MiB.</summary>
    public ResourceAmounts Resources { get; init; }

    public string FlavorName { get; init; } = string.Empty;

    /// <summary>Extra specs ComputeCapabilitiesFilter reads (scope <c>capabilities:</c> or none).</summary>
    public IReadOnlyList<ExtraSpecRequirement> CapabilitySpecs { get; init; } = [];

    /// <summary>Extra specs AggregateInstanceExtraSpecsFilter reads (scope <c>aggregate_instance_extra_specs:</c> or none).</summary>
    public IReadOnlyList<ExtraSpecRequirement> AggregateSpecs { get; init; } = [];

    /// <summary>"namespace/name" of the image, or null when booting from a volume.</summary>
    public string? ImageKey { get; init; }

    public string? ImageName { get; init; }

    public CpuArchitecture? ImageArchitecture { get; init; }

    public HypervisorType? ImageHypervisorType { get; init; }

    /// <summary>The zone asked for, or null for any.</summary>
    public string? AvailabilityZone { get; init; }

    public string? GroupName { get; init; }

    /// <summary>The group's policy, or null when the server is in no group.</summary>
    public ServerGroupPolicy? GroupPolicy { get; init; }

    /// <summary>With anti-affinity: how many members may share a node (default 1).</summary>
    public int MaxServerPerHost { get; init; } = 1;

    /// <summary>How many other members of the group run on each node.</summary>
    public IReadOnlyDictionary<string, int> GroupMembersPerNode { get; init; } = NoMembers;

    /// <summary>Nodes of the servers named in the sameHost hint; null when there is no hint.</summary>
    public IReadOnlySet<string>? SameHostNodes { get; init; }

    /// <summary>Nodes of the servers named in the differentHost hint; null when there is no hint.</summary>
    public IReadOnlySet<string>? DifferentHostNodes { get; init; }

    /// <summary>The compiled query hint, or null.</summary>
    public JsonQuery? Query { get; init; }

    /// <summary>buildNearHostIP with its prefix (default /24), or null.</summary>
    public IPNetwork? BuildNearNetwork { get; init; }

    /// <summary>Nodes a build already failed on (status.triedNodes).</summary>
    public IReadOnlySet<string> TriedNodes { get; init; } = NoNodes;

    /// <summary>Admin's forced node: filters are skipped, as nova does for a forced host.</summary>
    public string? ForceNode { get; init; }

    /// <summary>"namespace/name".</summary>
    public override string ToString() => ServerKey;
}
