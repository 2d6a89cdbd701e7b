using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.Node.Agent.Volumes;
using KubeCloud.Node.Compute;
using KubeCloud.Node.Hypervisor;
using KubeCloud.Node.Processes;
using KubeCloud.Node.Storage;

namespace KubeCloud.Node.IntegrationTests.Volumes;

using Hypervisor = KubeCloud.Api.V1Alpha1.Hypervisor;

/// <summary>
/// The storage role of one node daemon on the fake hypervisor driver and the machine's real tgtd, the test playing the
/// operator: a Volume placed on the node is exported with CHAP and reported, grows, is adopted by a restarted daemon
/// (orphan targets of this node removed, another node's left alone) and is removed to nothing once Deleting.
/// </summary>
[Collection(TgtCollection.Name)]
public sealed class StorageRoleTests : IAsyncLifetime
{
    private readonly string _state = Path.Combine("/var/tmp", "kc-storage-it-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly string _node = "storage-" + Guid.NewGuid().ToString("N")[..6];
    private readonly FakeHypervisorDriver _driver = new();
    private NodeCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await NodeCluster.StartAsync();

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        _driver.Dispose();
        var targets = StorageTestBed.Targets(_node, _state);
        foreach (var left in (await targets.TargetsAsync()).Where(t => t.Iqn.StartsWith(targets.Iqn(""), StringComparison.Ordinal)))
        {
            await targets.UnexportAsync(left.Iqn[targets.Iqn("").Length..], null, deleteData: true);
        }

        if (Directory.Exists(_state))
        {
            Directory.Delete(_state, true);
        }
    }

    private Task<RunningNode> StartAsync() =>
        _cluster.StartNodeAsync(_node, _state, _driver, new InMemoryInstanceFiles(), o => o with { Storage = StorageTestBed.FileBackend(_state) });

    [Fact]
    public async Task A_placed_volume_is_exported_with_chap_grown_adopted_and_deleted_to_nothing()
    {
        var node = await StartAsync();
        var targets = StorageTestBed.Targets(_node, _state);

        // The heartbeat reports the backend (cinder-volume's capabilities).
        var hypervisor = await NodeCluster.EventuallyAsync(() => _cluster.Client.GetAsync<Hypervisor>(_node), h => h.Status?.Storage is not null, "status.storage");
        Assert.Equal(("file", true), (hypervisor.Status!.Storage!.BackendName, hypervisor.Status.Storage.ThinProvisioning));
        Assert.True(hypervisor.Status.Storage.TotalCapacity!.Value.Value() > 0);

        // Placed without its Secret yet: the node waits (Creating), and exports once the Secret is there.
        var volume = await StorageTestBed.CreateVolumeAsync(_cluster, "data", "16Mi");
        volume = await StorageTestBed.PlaceAsync(_cluster, volume, _node, withSecret: false);
        var waiting = await NodeCluster.EventuallyAsync(() => StorageTestBed.GetAsync(_cluster, "data"),
            v => Conditions.Find(v.Status, VolumeExportReport.ExportedCondition) is not null, "Exported reported");
        var creating = Conditions.Find(waiting.Status, VolumeExportReport.ExportedCondition)!;
        Assert.Equal((ConditionStatus.False, VolumeExportReport.Creating), (creating.Status, creating.Reason));
        Assert.Contains("data-chap", creating.Message, StringComparison.Ordinal);
        Assert.Contains(VolumeExportReconciler.CleanupFinalizer, waiting.Metadata.Finalizers!);
        await StorageTestBed.PlaceAsync(_cluster, volume, _node);

        var exported = await StorageTestBed.WaitExportedAsync(_cluster, "data");
        var uid = exported.Metadata.Uid!;
        var target = exported.Status!.Target!;
        Assert.Equal((StorageTestBed.Portal, $"iqn.2025-01.io.kubecloud:{_node}:volume-{uid}", 1, "data-chap"),
            (target.Portal, target.Iqn, target.Lun, target.ChapSecretRef?.Name));
        Assert.Equal(16L << 20, exported.Status.Capacity!.Value.Value());
        Assert.Equal(VolumePhase.Creating, exported.Status.Phase); // the phase stays the operator's
        var tgt = Assert.Single(await targets.TargetsAsync(), t => t.Iqn == target.Iqn);
        var username = "kc" + uid.Replace("-", "", StringComparison.Ordinal);
        Assert.Contains(username, await targets.AccountsAsync());
        Assert.Equal(16L << 20, new FileInfo(tgt.BackingPath).Length);

        // Grown while no server holds it.
        exported.Spec.Size = Quantity.Parse("32Mi");
        await _cluster.Client.UpdateAsync(exported);
        await NodeCluster.EventuallyAsync(() => StorageTestBed.GetAsync(_cluster, "data"), v => v.Status?.Capacity?.Value() == 32L << 20 && Conditions.IsTrue(v.Status, VolumeExportReport.ExportedCondition),
            "capacity 32Mi");
        Assert.Equal(32L << 20, new FileInfo(tgt.BackingPath).Length);
        tgt = Assert.Single(await targets.TargetsAsync(), t => t.Iqn == target.Iqn);

        // Restart: the target is adopted as it is; an orphan of this node is removed after the cache synced, another node's stays.
        await node.StopAsync();
        var orphan = await targets.ExportAsync(new VolumeExport { VolumeId = "orphan-" + Guid.NewGuid().ToString("N")[..6], SizeBytes = 1 << 20, ChapUsername = "kc-orphan-" + _node, ChapPassword = "orphan-secret" });
        var other = StorageTestBed.Targets("other-" + _node, _state);
        var foreign = await other.ExportAsync(new VolumeExport { VolumeId = "foreign", SizeBytes = 1 << 20, ChapUsername = "kc-foreign-" + _node, ChapPassword = "foreign-secret" });
        try
        {
            node = await StartAsync();
            await NodeCluster.EventuallyAsync(() => node.App.Services.GetService(typeof(OrphanTargetSweeper)) is OrphanTargetSweeper { Sweeps: > 0 }, "an orphan sweep");
            var after = await targets.TargetsAsync();
            Assert.Contains(after, t => t.Iqn == target.Iqn && t.Tid == tgt.Tid);
            Assert.DoesNotContain(after, t => t.Iqn == orphan.Iqn);
            Assert.DoesNotContain("kc-orphan-" + _node, await targets.AccountsAsync());
            Assert.Contains(after, t => t.Iqn == foreign.Iqn);
        }
        finally
        {
            await other.UnexportAsync("foreign", null, deleteData: true);
        }

        // Deletion: nothing happens until the operator sets phase Deleting; then target, account and data go, then the finalizer.
        await _cluster.Client.DeleteAsync<Volume>("data", NodeCluster.Project);
        var deleting = await StorageTestBed.GetAsync(_cluster, "data");
        Assert.Contains(VolumeExportReconciler.CleanupFinalizer, deleting.Metadata.Finalizers!);
        Assert.Contains(await targets.TargetsAsync(), t => t.Iqn == target.Iqn);
        await _cluster.ApplyOperatorStatusAsync(deleting, new VolumeStatus { BackendNode = _node, Phase = VolumePhase.Deleting });
        await StorageTestBed.WaitGoneAsync(_cluster, "data");
        Assert.DoesNotContain(await targets.TargetsAsync(), t => t.Iqn == target.Iqn);
        Assert.DoesNotContain(username, await targets.AccountsAsync());
        Assert.False(File.Exists(tgt.BackingPath));
    }
}

/// <summary>Tests that use the machine's one tgtd run one at a time (tid allocation is shared).</summary>
[CollectionDefinition(Name)]
public sealed class TgtCollection
{
    public const string Name = "tgt";
}
