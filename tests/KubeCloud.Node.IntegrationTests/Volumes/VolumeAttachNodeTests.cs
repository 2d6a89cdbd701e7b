using System.Xml.Linq;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Node.Agent.Servers;
using KubeCloud.Node.Compute;
using KubeCloud.Node.Hypervisor;
using KubeCloud.Node.Mapping;

namespace KubeCloud.Node.IntegrationTests.Volumes;

/// <summary>
/// The compute side of volumes on the fake hypervisor driver (the volumes exported by the same daemon's storage role on
/// the real tgtd), the test playing the operator: a server waits for the operator's attachment, gets each volume as an
/// iSCSI disk with CHAP and its libvirt secret, a volume added to the running server is hot-plugged, one removed is
/// unplugged with its secret, and deleting the server removes the rest.
/// </summary>
[Collection(TgtCollection.Name)]
public sealed class VolumeAttachNodeTests : IAsyncLifetime
{
    private const string Sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private readonly string _state = Path.Combine("/var/tmp", "kc-attach-it-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly string _node = "compute-" + Guid.NewGuid().ToString("N")[..6];
    private readonly FakeHypervisorDriver _driver = new();
    private NodeCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await NodeCluster.StartAsync();
        await _cluster.EnsureFlavorAndImageAsync(Sha);
    }

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

    private Task<Server> WaitAsync(string what, Func<Server, bool> condition) =>
        NodeCluster.EventuallyAsync(() => _cluster.GetServerAsync("db"), condition, "db: " + what);

    private async Task<Volume> ExportedVolumeAsync(string name)
    {
        var volume = await StorageTestBed.CreateVolumeAsync(_cluster, name, "8Mi");
        await StorageTestBed.PlaceAsync(_cluster, volume, _node);
        return await StorageTestBed.WaitExportedAsync(_cluster, name);
    }

    private IReadOnlyList<AttachedDisk> Disks() => VolumeDisks.Attached(_driver.GetXml("kc-project-a-db"));

    [Fact]
    public async Task A_servers_volumes_are_attached_with_chap_after_the_operators_attachment_hot_plugged_and_unplugged()
    {
        await _cluster.StartNodeAsync(_node, _state, _driver, new InMemoryInstanceFiles(), o => o with { Storage = StorageTestBed.FileBackend(_state) });
        var logs = await ExportedVolumeAsync("logs");
        var data = await ExportedVolumeAsync("data");

        // Listed but not yet attached by the operator: the node waits and makes nothing.
        var server = await _cluster.CreateBoundServerAsync("db", _node, volumes: [new ServerVolume { VolumeRef = new() { Name = "logs" }, Device = "vdc" }]);
        await WaitAsync("waiting for the attachment", s =>
            Conditions.Find(s.Status, ServerReasons.Spawned) is { Reason: ServerReasons.Waiting } c && c.Message!.Contains("status.attachments", StringComparison.Ordinal)
            && c.ObservedGeneration == s.Metadata.Generation);
        Assert.Null(_driver.Find("kc-project-a-db"));

        // Attached by the operator: one iSCSI disk with CHAP, the device asked for, the volume's name as serial.
        await StorageTestBed.AttachAsync(_cluster, logs, "db", _node);
        server = await WaitAsync("Spawned with logs", s => NodeCluster.Spawned(s) && s.Status?.PowerState == ObservedPowerState.Running);
        var disk = Assert.Single(Disks());
        Assert.Equal(($"{logs.Status!.Target!.Iqn}/1", "vdc"), (disk.Source, disk.Device));
        var auth = disk.Element.Element("source")!.Element("auth")!;
        Assert.Equal("kc" + logs.Metadata.Uid!.Replace("-", "", StringComparison.Ordinal), (string?)auth.Attribute("username"));
        Assert.Equal(ServerDomainMapper.ChapSecretUuid(logs), disk.ChapSecretUuid);
        Assert.True(_driver.SecretExists(disk.ChapSecretUuid!.Value));
        Assert.Equal("127.0.0.1", (string?)disk.Element.Element("source")!.Element("host")!.Attribute("name"));
        Assert.Equal("logs", (string?)disk.Element.Element("serial"));

        // A volume added to the running server is hot-plugged (the next free device), for the new generation.
        server.Spec.Volumes = [.. server.Spec.Volumes!, new ServerVolume { VolumeRef = new() { Name = "data" } }];
        server = await _cluster.Client.UpdateAsync(server);
        await StorageTestBed.AttachAsync(_cluster, data, "db", _node);
        server = await WaitAsync("Spawned with logs and data", NodeCluster.Spawned);
        Assert.Equal([("logs", "vdc"), ("data", "vdb")], Disks().Select(d => ((string?)d.Element.Element("serial"), d.Device)));
        Assert.Equal(DomainState.Running, _driver.GetStatus("kc-project-a-db").State);

        // Removed from the spec: unplugged, its libvirt secret removed.
        server.Spec.Volumes = [new ServerVolume { VolumeRef = new() { Name = "data" } }];
        server = await _cluster.Client.UpdateAsync(server);
        await WaitAsync("Spawned with data only", NodeCluster.Spawned);
        Assert.Equal(["data"], Disks().Select(d => (string?)d.Element.Element("serial")));
        Assert.False(_driver.SecretExists(ServerDomainMapper.ChapSecretUuid(logs)));

        // Deleted: the domain and the last volume's secret go.
        await _cluster.Client.DeleteAsync<Server>("db", NodeCluster.Project);
        await WaitAsync("the node's finalizer removed", s => s.Metadata.Finalizers?.Contains(KubeCloud.Node.Agent.NodeStatusApply.CleanupFinalizer) != true);
        Assert.Null(_driver.Find("kc-project-a-db"));
        Assert.False(_driver.SecretExists(ServerDomainMapper.ChapSecretUuid(data)));
    }
}
