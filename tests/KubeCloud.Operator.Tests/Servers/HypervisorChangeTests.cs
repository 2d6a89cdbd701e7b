using k8s.Models;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Operator.Controllers.Hypervisors;
using KubeCloud.Operator.Controllers.Servers;

namespace KubeCloud.Operator.Tests.Servers;

using Hypervisor = KubeCloud.Api.V1Alpha1.Hypervisor;

/// <summary>
/// Which updates the operator's controllers map, with statuses or parts of them absent (a Hypervisor made before its
/// daemon's first beat; a Server not placed yet): the Hypervisor updates that wake servers still looking for a host
/// (anything but the heartbeat), and the Server updates that change what a Hypervisor holds.
/// </summary>
public sealed class HypervisorChangeTests
{
    private static readonly DateTimeOffset Beat = new(2026, 12, 3, 18, 0, 0, TimeSpan.Zero);

    public static TheoryData<string, HypervisorStatus?, HypervisorStatus?, bool> Updates => new()
    {
        { "no status before and after", null, null, false },
        { "the first beat of a Hypervisor made without status", null, Status(Beat, "qemu"), true },
        { "the status removed", Status(Beat, "qemu"), null, true },
        { "only the heartbeat time moved", Status(Beat, "qemu"), Status(Beat.AddSeconds(10), "qemu"), false },
        { "the hypervisor version changed", Status(Beat, "qemu"), Status(Beat, "kvm"), true },
    };

    [Theory]
    [MemberData(nameof(Updates))]
    public void Placement_inputs_changed(string update, HypervisorStatus? before, HypervisorStatus? after, bool changed)
    {
        Assert.NotEmpty(update);
        Assert.Equal(changed, HypervisorChange.PlacementInputsChanged(Of(before), Of(after)));
    }

    public static TheoryData<string, ServerStatus?, ServerStatus?, bool> Placements => new()
    {
        { "not placed before and after", null, null, false },
        { "placed with its flavor", null, new ServerStatus { Node = "compute-1", Flavor = new FlavorSnapshot { Name = "m1.tiny" } }, true },
        { "a status without flavor, then the same", new ServerStatus { Phase = ServerPhase.Building }, new ServerStatus { Phase = ServerPhase.Active }, false },
    };

    [Theory]
    [MemberData(nameof(Placements))]
    public void Server_placement_changed(string update, ServerStatus? before, ServerStatus? after, bool changed)
    {
        Assert.NotEmpty(update);
        Assert.Equal(changed, HypervisorReconciler.PlacementChanged(ServerOf(before), ServerOf(after)));
    }

    private static Server ServerOf(ServerStatus? status) => new() { Metadata = new V1ObjectMeta { Name = "web-1", NamespaceProperty = "project-a" }, Spec = new ServerSpec(), Status = status };

    private static Hypervisor Of(HypervisorStatus? status) => new() { Metadata = new V1ObjectMeta { Name = "compute-1", Generation = 1 }, Status = status };

    private static HypervisorStatus Status(DateTimeOffset heartbeat, string version) =>
        new() { LastHeartbeatTime = heartbeat, HypervisorVersion = version };
}
