using KubeCloud.Node.Hypervisor;

namespace KubeCloud.Node.Tests;

/// <summary>What the fake driver keeps beyond the lifecycle that the contract test compares with libvirt.</summary>
public sealed class FakeHypervisorDriverTests
{
    private static string Domain(string name, Guid uuid, int memoryMiB = 256) =>
        $"<domain type='qemu'><name>{name}</name><uuid>{uuid:D}</uuid><memory unit='MiB'>{memoryMiB}</memory><devices/></domain>";

    [Fact]
    public void Active_memory_counts_running_and_paused_domains_only()
    {
        using var driver = new FakeHypervisorDriver();
        driver.Define(Domain("a", Guid.NewGuid(), 256));
        driver.Define(Domain("b", Guid.NewGuid(), 512));
        driver.Define(Domain("c", Guid.NewGuid(), 1024));
        driver.Start("a");
        driver.Start("b");
        driver.Suspend("b");
        Assert.Equal(768, driver.ActiveMemoryMiB);

        driver.ManagedSave("b");
        Assert.Equal(256, driver.ActiveMemoryMiB);
    }

    [Fact]
    public void Redefining_keeps_state_and_another_uuid_under_the_same_name_is_refused()
    {
        using var driver = new FakeHypervisorDriver();
        var uuid = Guid.NewGuid();
        driver.Define(Domain("a", uuid));
        driver.Start("a");
        driver.Define(Domain("a", uuid, 512));
        Assert.Equal(DomainState.Running, driver.GetStatus("a").State);

        var e = Assert.Throws<LibvirtException>(() => driver.Define(Domain("a", Guid.NewGuid())));
        Assert.Contains($"already exists with uuid {uuid:D}", e.Message);
        e = Assert.Throws<LibvirtException>(() => driver.Define(Domain("b", uuid)));
        Assert.Contains("domain 'a' already exists", e.Message);
    }

    [Fact]
    public void Devices_are_attached_once_and_detached_by_target_or_mac()
    {
        using var driver = new FakeHypervisorDriver();
        driver.Define(Domain("a", Guid.NewGuid()));
        const string disk = "<disk type='network' device='disk'><target dev='vdb' bus='virtio'/></disk>";
        const string nic = "<interface type='bridge'><mac address='FA:16:3E:00:00:01'/></interface>";
        driver.AttachDevice("a", disk);
        driver.AttachDevice("a", nic);
        Assert.Throws<LibvirtException>(() => driver.AttachDevice("a", disk));
        Assert.Contains("vdb", driver.GetXml("a"));

        driver.DetachDevice("a", "<disk device='disk'><target dev='vdb'/></disk>");
        driver.DetachDevice("a", "<interface type='bridge'><mac address='fa:16:3e:00:00:01'/></interface>");
        Assert.DoesNotContain("vdb", driver.GetXml("a"));
        Assert.DoesNotContain("fa:16:3e", driver.GetXml("a"), StringComparison.OrdinalIgnoreCase);
        Assert.Throws<LibvirtException>(() => driver.DetachDevice("a", disk));
    }

    [Fact]
    public void Secrets_are_kept_until_undefined()
    {
        using var driver = new FakeHypervisorDriver();
        var uuid = Guid.NewGuid();
        driver.DefineSecret(uuid, "iscsi", "volume-1", "secret"u8);
        Assert.True(driver.SecretExists(uuid));
        driver.UndefineSecret(uuid);
        driver.UndefineSecret(uuid);
        Assert.False(driver.SecretExists(uuid));
    }
}
