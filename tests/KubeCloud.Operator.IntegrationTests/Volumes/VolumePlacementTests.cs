using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Operator.Controllers.Volumes;
using static KubeCloud.Operator.IntegrationTests.Volumes.NodeReports;

namespace KubeCloud.Operator.IntegrationTests.Volumes;

/// <summary>The Volume controller places volumes on storage nodes as cinder-scheduler does; the tests play the storage nodes.</summary>
public sealed class VolumePlacementTests
{
    private const string Ns = "project-a";

    [Fact]
    public async Task Each_volume_goes_to_the_storage_node_with_the_most_room_counting_volumes_not_yet_exported()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        using var client = cluster.NewClient();
        await HypervisorAsync(client, "s1", Storage("120Gi"));
        await HypervisorAsync(client, "s2", Storage("300Gi"));
        await HypervisorAsync(client, "s3", Storage("200Gi"));
        await HypervisorAsync(client, "compute-only");
        await cluster.StartOperatorAsync(s => s.Controllers = [VolumeReconciler.ControllerName]);

        // s2 has the most free space; once 250Gi are promised there (not yet exported), s3 has the most; then s1.
        Assert.Equal("s2", await PlacedOnAsync(client, "v1", "250Gi"));
        Assert.Equal("s3", await PlacedOnAsync(client, "v2", "100Gi"));
        Assert.Equal("s1", await PlacedOnAsync(client, "v3", "90Gi"));

        var v1 = await client.GetAsync<Volume>("v1", Ns);
        Assert.Equal(VolumePhase.Creating, v1.Status!.Phase);
        var scheduled = Conditions.Find(v1.Status, VolumeConditions.Scheduled)!;
        Assert.Equal((ConditionStatus.True, VolumeConditions.Placed), (scheduled.Status, scheduled.Reason));
        Assert.StartsWith("placed on storage node s2", scheduled.Message, StringComparison.Ordinal);
        Assert.Contains(VolumeConditions.Finalizer, v1.Metadata.Finalizers ?? []);
    }

    [Theory]
    [InlineData("a typed volume goes only where the type is served", "ssd", "s3")]
    [InlineData("an untyped volume goes anywhere, the most free first", null, "s2")]
    public async Task Volume_types_and_disabled_or_silent_nodes_filter_the_backends(string name, string? volumeType, string expected)
    {
        _ = name;
        await using var cluster = await OperatorCluster.StartAsync();
        using var client = cluster.NewClient();
        await HypervisorAsync(client, "s1", Storage("900Gi", volumeTypes: "ssd"), storageDisabled: true);
        await HypervisorAsync(client, "s2", Storage("500Gi"));
        await HypervisorAsync(client, "s3", Storage("100Gi", volumeTypes: "ssd"));
        var silent = await client.CreateAsync(new Hypervisor { Metadata = new() { Name = "s4" } });
        await ApplyStatusAsync(client, silent, new HypervisorStatus { Storage = Storage("800Gi", volumeTypes: "ssd") }); // no heartbeat, no Ready
        await cluster.StartOperatorAsync(s => s.Controllers = [VolumeReconciler.ControllerName]);

        Assert.Equal(expected, await PlacedOnAsync(client, "v", "10Gi", volumeType));
    }

    [Fact]
    public async Task No_room_is_NoValidBackend_naming_the_filter_and_the_volume_is_placed_once_a_node_has_room()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        using var client = cluster.NewClient();
        var s1 = await HypervisorAsync(client, "s1", Storage("10Gi"));
        await HypervisorAsync(client, "s2", Storage("20Gi"));
        await HypervisorAsync(client, "s3", Storage("30Gi"));
        await cluster.StartOperatorAsync(s => s.Controllers = [VolumeReconciler.ControllerName]);

        await client.CreateAsync(Volume(Ns, "big", "100Gi"));
        var refused = await ObjectWait.UntilAsync<Volume>(client, "big", Ns, v => v?.Status?.Phase == VolumePhase.Error, "phase Error");
        var scheduled = Conditions.Find(refused!.Status, VolumeConditions.Scheduled)!;
        Assert.Equal((ConditionStatus.False, VolumeConditions.NoValidBackend), (scheduled.Status, scheduled.Reason));
        Assert.StartsWith("No valid backend was found. There are not enough hosts available. 3 hosts: CapacityFilter removed 3.", scheduled.Message, StringComparison.Ordinal);
        Assert.Contains("insufficient free space (requested 100 GiB", scheduled.Message, StringComparison.Ordinal);
        Assert.Equal(VolumeConditions.NoValidBackend, Conditions.Find(refused.Status, ConditionTypes.Ready)!.Reason);
        Assert.Null(refused.Status!.BackendNode);
        await OperatorCluster.EventuallyAsync(async () => (await ObjectWait.EventsAsync(client, Ns, "big", VolumeConditions.NoValidBackend)).Count > 0, "a NoValidBackend event");

        // The storage node grows: the volume is placed there, created, and Available.
        await HeartbeatAsync(client, s1, Storage("500Gi"));
        var placed = await ObjectWait.UntilAsync<Volume>(client, "big", Ns, v => v?.Status?.BackendNode is not null, "placed");
        Assert.Equal(("s1", VolumePhase.Creating), (placed!.Status!.BackendNode, placed.Status.Phase));
        await ExportAsync(client, placed);
        var available = await ObjectWait.UntilAsync<Volume>(client, "big", Ns, v => v?.Status?.Phase == VolumePhase.Available, "Available");
        var ready = Conditions.Find(available!.Status, ConditionTypes.Ready)!;
        Assert.Equal((ConditionStatus.True, VolumeConditions.Available), (ready.Status, ready.Reason));
        Assert.True(Conditions.IsTrue(available.Status, VolumeConditions.Exported), "the storage node's condition survives the operator's writes");
        Assert.NotNull(available.Status!.Target);
    }

    [Fact]
    public async Task A_failed_create_reported_by_the_storage_node_is_Error_with_its_message_and_recovers_when_exported()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        using var client = cluster.NewClient();
        await HypervisorAsync(client, "s1", Storage("100Gi"));
        await cluster.StartOperatorAsync(s => s.Controllers = [VolumeReconciler.ControllerName]);
        await client.CreateAsync(Volume(Ns, "v"));
        var placed = await ObjectWait.UntilAsync<Volume>(client, "v", Ns, v => v?.Status?.BackendNode is not null, "placed");

        await ApplyStatusAsync(client, placed!, new VolumeStatus { Conditions = [Condition(VolumeConditions.Exported, ConditionStatus.False, "LvcreateFailed", message: "volume group vg0 has 1 GiB free")] });
        var failed = await ObjectWait.UntilAsync<Volume>(client, "v", Ns, v => v?.Status?.Phase == VolumePhase.Error, "Error");
        var ready = Conditions.Find(failed!.Status, ConditionTypes.Ready)!;
        Assert.Equal(VolumeConditions.CreateFailed, ready.Reason);
        Assert.Equal("storage node s1: LvcreateFailed: volume group vg0 has 1 GiB free", ready.Message);

        await ExportAsync(client, failed);
        await ObjectWait.UntilAsync<Volume>(client, "v", Ns, v => v?.Status?.Phase == VolumePhase.Available, "Available after the retry");
    }

    private static async Task<string> PlacedOnAsync(KubeCloud.ControllerRuntime.Client.KubeClient client, string name, string size, string? volumeType = null)
    {
        await client.CreateAsync(Volume(Ns, name, size, volumeType: volumeType));
        var placed = await ObjectWait.UntilAsync<Volume>(client, name, Ns, v => v?.Status?.BackendNode is not null, "placed on a storage node");
        return placed!.Status!.BackendNode!;
    }
}
