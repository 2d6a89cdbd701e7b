using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Objects;
using KubeCloud.Operator.Controllers.Volumes;
using static KubeCloud.Operator.IntegrationTests.Volumes.NodeReports;

namespace KubeCloud.Operator.IntegrationTests.Volumes;

/// <summary>
/// Attachments follow the Servers that list a volume, through the state machine; the tests play the storage node, the
/// compute node and the Server controller's <c>status.node</c> (README "Who writes what").
/// </summary>
public sealed class VolumeAttachmentTests
{
    private const string Ns = "project-a";

    [Fact]
    public async Task Reserved_Attaching_InUse_Detaching_Available_as_the_server_is_placed_spawned_and_lets_go()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        using var client = cluster.NewClient();
        await AvailableVolumeAsync(cluster, client, "data");

        var server = await client.CreateAsync(Server(Ns, "vm1", "data"));
        var reserved = await PhaseAsync(client, "data", VolumePhase.Reserved);
        var claim = Assert.Single(reserved.Status!.Attachments!);
        Assert.Equal(("vm1", null, null), (claim.Server, claim.Node, claim.AttachedAt));

        server = await PlaceAsync(client, server, "c1");
        var attaching = await PhaseAsync(client, "data", VolumePhase.Attaching);
        Assert.Equal("c1", Assert.Single(attaching.Status!.Attachments!).Node);

        await SpawnedAsync(client, server);
        var inUse = await PhaseAsync(client, "data", VolumePhase.InUse);
        Assert.NotNull(Assert.Single(inUse.Status!.Attachments!).AttachedAt);
        await OperatorCluster.EventuallyAsync(async () => (await ObjectWait.EventsAsync(client, Ns, "data", "InUse")).Count > 0, "an InUse event");

        // The server drops the volume: Detaching until its node has converged on the new generation.
        server = await client.GetAsync<Server>("vm1", Ns);
        server.Spec.Volumes = null;
        server = await client.UpdateAsync(server);
        var detaching = await PhaseAsync(client, "data", VolumePhase.Detaching);
        Assert.Equal("vm1", Assert.Single(detaching.Status!.Attachments!).Server);

        await SpawnedAsync(client, server);
        var available = await PhaseAsync(client, "data", VolumePhase.Available);
        Assert.Empty(available.Status!.Attachments ?? []);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_second_server_is_refused_unless_the_volume_is_multiattach(bool multiattach)
    {
        await using var cluster = await OperatorCluster.StartAsync();
        using var client = cluster.NewClient();
        await AvailableVolumeAsync(cluster, client, "shared", multiattach);
        var vm1 = await client.CreateAsync(Server(Ns, "vm1", "shared"));
        await SpawnedAsync(client, await PlaceAsync(client, vm1, "c1"));
        await PhaseAsync(client, "shared", VolumePhase.InUse);

        var vm2 = await client.CreateAsync(Server(Ns, "vm2", "shared"));
        await SpawnedAsync(client, await PlaceAsync(client, vm2, "c2"));

        if (multiattach)
        {
            var both = await ObjectWait.UntilAsync<Volume>(client, "shared", Ns,
                v => v?.Status?.Attachments is { Count: 2 } a && a.All(x => x.AttachedAt is not null), "attached to both servers");
            Assert.Equal(VolumePhase.InUse, both!.Status!.Phase);
            Assert.Equal(["c1", "c2"], both.Status.Attachments!.Select(a => a.Node!));
            Assert.Null(Conditions.Find(both.Status, VolumeConditions.AttachConflict));
            return;
        }

        var refused = await ObjectWait.UntilAsync<Volume>(client, "shared", Ns, v => Conditions.IsTrue(v?.Status, VolumeConditions.AttachConflict), "an attach conflict");
        var conflict = Conditions.Find(refused!.Status, VolumeConditions.AttachConflict)!;
        Assert.Equal(VolumeConditions.NotMultiattach, conflict.Reason);
        Assert.Equal("server vm2 is refused: the volume is in use by server vm1 and is not multiattach", conflict.Message);
        Assert.Equal("vm1", Assert.Single(refused.Status!.Attachments!).Server);
        Assert.Equal(VolumePhase.InUse, refused.Status.Phase);
        await OperatorCluster.EventuallyAsync(async () => (await ObjectWait.EventsAsync(client, Ns, "shared", "AttachRefused")).Count > 0, "an AttachRefused event on the volume");
        await OperatorCluster.EventuallyAsync(async () => (await ObjectWait.EventsAsync(client, Ns, "vm2", "VolumeAttachRefused")).Count > 0, "a VolumeAttachRefused event on the server");

        // vm1 goes: vm2 gets the volume and the conflict clears.
        await client.DeleteAsync<Server>("vm1", Ns);
        var moved = await ObjectWait.UntilAsync<Volume>(client, "shared", Ns,
            v => v?.Status?.Attachments is [{ Server: "vm2", AttachedAt: not null }], "attached to vm2");
        Assert.Equal((ConditionStatus.False, VolumeConditions.NoConflict), (Conditions.Find(moved!.Status, VolumeConditions.AttachConflict)!.Status, Conditions.Find(moved.Status, VolumeConditions.AttachConflict)!.Reason));
    }

    [Fact]
    public async Task Deletion_is_refused_while_a_server_holds_the_volume_and_completes_once_it_is_detached()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        using var client = cluster.NewClient();
        await AvailableVolumeAsync(cluster, client, "data");
        var vm1 = await client.CreateAsync(Server(Ns, "vm1", "data"));
        vm1 = await Finalizers.AddAsync(client, vm1, VolumeConditions.NodeCleanupFinalizer); // the compute node has the server on its host
        await SpawnedAsync(client, await PlaceAsync(client, vm1, "c1"));
        await PhaseAsync(client, "data", VolumePhase.InUse);

        await client.DeleteAsync<Volume>("data", Ns);
        var blocked = await ObjectWait.UntilAsync<Volume>(client, "data", Ns, v => Conditions.IsTrue(v?.Status, VolumeConditions.DeletionBlocked), "deletion blocked");
        var condition = Conditions.Find(blocked!.Status, VolumeConditions.DeletionBlocked)!;
        Assert.Equal(VolumeConditions.InUse, condition.Reason);
        Assert.Equal("the volume is attached to server(s) vm1; detach it first", condition.Message);
        Assert.Equal(VolumePhase.InUse, blocked.Status!.Phase);
        Assert.Contains(VolumeConditions.Finalizer, blocked.Metadata.Finalizers!);
        await OperatorCluster.EventuallyAsync(async () => (await ObjectWait.EventsAsync(client, Ns, "data", VolumeConditions.DeletionBlocked)).Count > 0, "a DeletionBlocked event");

        // The server is deleted: Detaching while its node still cleans up, then the volume is released.
        await client.DeleteAsync<Server>("vm1", Ns);
        await PhaseAsync(client, "data", VolumePhase.Detaching);
        Assert.NotNull(await client.GetAsync<Volume>("data", Ns));
        await Finalizers.RemoveAsync(client, await client.GetAsync<Server>("vm1", Ns), VolumeConditions.NodeCleanupFinalizer);

        // The operator lets go (phase Deleting, its finalizer removed); the storage node removes the volume and its finalizer.
        var deleting = await ObjectWait.UntilAsync<Volume>(client, "data", Ns,
            v => v?.Status?.Phase == VolumePhase.Deleting && v.Metadata.Finalizers?.Contains(VolumeConditions.Finalizer) != true, "phase Deleting without the operator's finalizer");
        Assert.Equal([VolumeConditions.StorageCleanupFinalizer], deleting!.Metadata.Finalizers!);
        await Finalizers.RemoveAsync(client, deleting, VolumeConditions.StorageCleanupFinalizer);
        await ObjectWait.UntilAsync<Volume>(client, "data", Ns, v => v is null, "gone");
    }

    [Fact]
    public async Task A_server_listing_a_volume_still_being_created_waits_for_it_without_a_conflict()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        using var client = cluster.NewClient();
        await HypervisorAsync(client, "s1", Storage("100Gi"));
        await cluster.StartOperatorAsync(s => s.Controllers = [VolumeReconciler.ControllerName]);
        await client.CreateAsync(Volume(Ns, "boot"));
        var creating = await ObjectWait.UntilAsync<Volume>(client, "boot", Ns, v => v?.Status?.BackendNode is not null, "placed");
        var server = Server(Ns, "vm1");
        server.Spec.ImageRef = null;
        server.Spec.BootVolumeRef = new LocalObjectReference { Name = "boot" };
        await client.CreateAsync(server);

        Assert.Empty((await client.GetAsync<Volume>("boot", Ns)).Status!.Attachments ?? []);
        await ExportAsync(client, creating!);
        var reserved = await PhaseAsync(client, "boot", VolumePhase.Reserved);
        var claim = Assert.Single(reserved.Status!.Attachments!);
        Assert.Equal(("vm1", "vda"), (claim.Server, claim.Device));
        Assert.Null(Conditions.Find(reserved.Status, VolumeConditions.AttachConflict));
    }

    private static async Task AvailableVolumeAsync(OperatorCluster cluster, KubeClient client, string name, bool multiattach = false)
    {
        await HypervisorAsync(client, "s1", Storage("100Gi"));
        await cluster.StartOperatorAsync(s => s.Controllers = [VolumeReconciler.ControllerName]);
        await client.CreateAsync(Volume(Ns, name, multiattach: multiattach));
        var placed = await ObjectWait.UntilAsync<Volume>(client, name, Ns, v => v?.Status?.BackendNode is not null, "placed");
        await ExportAsync(client, placed!);
        await PhaseAsync(client, name, VolumePhase.Available);
    }

    private static async Task<Volume> PhaseAsync(KubeClient client, string name, VolumePhase phase) =>
        (await ObjectWait.UntilAsync<Volume>(client, name, Ns, v => v?.Status?.Phase == phase, $"phase {phase}"))!;
}
