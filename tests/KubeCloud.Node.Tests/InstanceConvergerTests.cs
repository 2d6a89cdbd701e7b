using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Node.Compute;
using KubeCloud.Node.Hypervisor;
using KubeCloud.Node.Mapping;
using ImageSource = KubeCloud.Node.Images.ImageSource;

namespace KubeCloud.Node.Tests;

/// <summary>The per-server pass on the fake driver: idempotent, adopts what exists, power actions, reboot once, removal.</summary>
public sealed class InstanceConvergerTests : IDisposable
{
    private static readonly ImageSource Image = new(new Uri("http://127.0.0.1:1/debian.qcow2"), new string('a', 64), "qcow2");
    private readonly string _root = Path.Combine(Path.GetTempPath(), "kc-converger-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly FakeHypervisorDriver _driver = new();
    private readonly InMemoryInstanceFiles _files = new();

    public void Dispose()
    {
        _driver.Dispose();
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, true);
        }
    }

    private InstanceConverger Converger(long freeSaveBytes = 1L << 40) =>
        new(_driver, _files, new NodeLayout(_root, KubeCloud.Node.Hypervisor.HypervisorType.Qemu), new SuspendSpace("/save", _ => freeSaveBytes));

    private static Server Server(DesiredPowerState power = DesiredPowerState.Running, string? reboot = null) => new()
    {
        Metadata = new()
        {
            Name = "web-1",
            NamespaceProperty = "demo",
            Uid = "11111111-2222-3333-4444-555555555555",
            Annotations = reboot is null ? null : new Dictionary<string, string> { [ApiGroup.RebootRequestedAtAnnotation] = reboot },
        },
        Spec = new ServerSpec { FlavorRef = new() { Name = "m1.small" }, ImageRef = new() { Name = "debian" }, PowerState = power },
    };

    private static readonly Flavor Small = new()
    {
        Metadata = new() { Name = "m1.small" },
        Spec = new FlavorSpec { Vcpus = 1, Memory = Quantity.Parse("512Mi"), RootDisk = Quantity.Parse("1Gi") },
    };

    private static InstanceRequest Request(Server server) => new(new ServerBuild(server, Small, [], []), Image, new Dictionary<Guid, byte[]>());

    [Fact]
    public async Task First_pass_builds_and_boots_and_a_second_pass_changes_nothing()
    {
        var converger = Converger();
        var first = await converger.ConvergeAsync(Request(Server()));
        Assert.Equal((ObservedPowerState.Running, true, null), (first.PowerState, first.Converged, first.Refusal));
        Assert.Equal([InstanceStep.Image, InstanceStep.Volumes, InstanceStep.Spawn, InstanceStep.Power], first.StepTimes.Keys.Order());
        Assert.Contains(Image.Sha256, _files.CachedImages);

        var events = 0;
        _driver.LifecycleEvent += (_, _) => events++;
        var second = await converger.ConvergeAsync(Request(Server()));
        Assert.Equal((ObservedPowerState.Running, true), (second.PowerState, second.Converged));
        Assert.DoesNotContain(InstanceStep.Spawn, second.StepTimes.Keys);
        Assert.Equal(0, events);
    }

    [Theory]
    [InlineData(DesiredPowerState.Stopped, ObservedPowerState.Shutoff, "booted")]
    [InlineData(DesiredPowerState.Paused, ObservedPowerState.Paused, "unpaused")]
    [InlineData(DesiredPowerState.Suspended, ObservedPowerState.Suspended, "restored")]
    public async Task Power_state_follows_the_spec_and_back_to_running(DesiredPowerState desired, ObservedPowerState observed, string runningReason)
    {
        var converger = Converger();
        await converger.ConvergeAsync(Request(Server()));
        var result = await converger.ConvergeAsync(Request(Server(desired)));
        Assert.Equal((observed, true), (result.PowerState, result.Converged));
        result = await converger.ConvergeAsync(Request(Server()));
        Assert.Equal((ObservedPowerState.Running, true), (result.PowerState, result.Converged));
        Assert.Equal(runningReason, _driver.GetStatus("kc-demo-web-1").ReasonName);
    }

    private static readonly Flavor Big = new()
    {
        Metadata = new() { Name = "m1.big" },
        Spec = new FlavorSpec { Vcpus = 2, Memory = Quantity.Parse("1Gi"), RootDisk = Quantity.Parse("1Gi") },
    };

    [Theory]
    [InlineData(DesiredPowerState.Running, ObservedPowerState.Running, "booted")]
    [InlineData(DesiredPowerState.Stopped, ObservedPowerState.Shutoff, null)] // redefined while off: no power action at all
    [InlineData(DesiredPowerState.Paused, ObservedPowerState.Paused, "user")]
    public async Task A_new_flavor_redefines_the_domain_with_its_size_and_keeps_the_power_state(DesiredPowerState power, ObservedPowerState observed, string? reason)
    {
        var converger = Converger();
        await converger.ConvergeAsync(Request(Server(power)));
        var uuid = _driver.Find("kc-demo-web-1")!.Uuid;
        Assert.Equal(new DomainSize(1, 512), DomainSize.Parse(_driver.GetXml("kc-demo-web-1")));

        var resized = await converger.ConvergeAsync(new InstanceRequest(new ServerBuild(Server(power), Big, [], []), Image, new Dictionary<Guid, byte[]>()));
        Assert.Equal((observed, true), (resized.PowerState, resized.Converged));
        Assert.Equal(new DomainSize(2, 1024), DomainSize.Parse(_driver.GetXml("kc-demo-web-1")));
        Assert.Equal(uuid, _driver.Find("kc-demo-web-1")!.Uuid);
        if (reason is not null)
        {
            Assert.Equal(reason, _driver.GetStatus("kc-demo-web-1").ReasonName); // booted afresh / paused again after the redefinition
        }

        var events = 0;
        _driver.LifecycleEvent += (_, _) => events++;
        await converger.ConvergeAsync(new InstanceRequest(new ServerBuild(Server(power), Big, [], []), Image, new Dictionary<Guid, byte[]>()));
        Assert.Equal(0, events); // resized once: the next pass finds the sizes equal
    }

    [Fact]
    public async Task A_flavor_with_a_bigger_root_disk_grows_the_disk_while_the_guest_is_off_and_a_smaller_one_keeps_it()
    {
        var converger = Converger();
        await converger.ConvergeAsync(Request(Server()));
        var root = Assert.Single(_files.RootDisks).Key;
        Assert.Equal(1L << 30, _files.RootDisks[root]);
        var bigDisk = new Flavor { Metadata = new() { Name = "m1.small-disk" }, Spec = new FlavorSpec { Vcpus = 1, Memory = Quantity.Parse("512Mi"), RootDisk = Quantity.Parse("2Gi") } };
        var events = new List<DomainLifecycleEventType>();
        _driver.LifecycleEvent += (_, e) => events.Add(e.Type);

        var grown = await converger.ConvergeAsync(new InstanceRequest(new ServerBuild(Server(), bigDisk, [], []), Image, new Dictionary<Guid, byte[]>()));
        Assert.Equal((ObservedPowerState.Running, true), (grown.PowerState, grown.Converged));
        Assert.Equal(2L << 30, _files.RootDisks[root]);
        Assert.Equal([DomainLifecycleEventType.Stopped, DomainLifecycleEventType.Started], events.Where(t => t is DomainLifecycleEventType.Stopped or DomainLifecycleEventType.Started)); // off for the resize, then booted

        events.Clear();
        await converger.ConvergeAsync(new InstanceRequest(new ServerBuild(Server(), bigDisk, [], []), Image, new Dictionary<Guid, byte[]>()));
        await converger.ConvergeAsync(Request(Server())); // back to the 1Gi flavor (a revert): same vCPUs and memory, the disk is kept
        Assert.Empty(events);
        Assert.Equal(2L << 30, _files.RootDisks[root]);
    }

    [Theory]
    [InlineData("kib", "<domain><vcpu placement='static'>2</vcpu><memory unit='KiB'>262144</memory></domain>", 2, 256)]
    [InlineData("mib", "<domain><vcpu>1</vcpu><memory unit='MiB'>160</memory></domain>", 1, 160)]
    [InlineData("gib", "<domain><vcpu>4</vcpu><memory unit='GiB'>2</memory></domain>", 4, 2048)]
    [InlineData("bytes", "<domain><vcpu>1</vcpu><memory unit='b'>134217728</memory></domain>", 1, 128)]
    [InlineData("no unit is KiB", "<domain><memory>131072</memory></domain>", 1, 128)]
    public void DomainSize_reads_libvirts_units(string name, string xml, int vcpus, int memoryMiB)
    {
        var size = DomainSize.Parse(xml);
        Assert.True(size == new DomainSize(vcpus, memoryMiB), $"{name}: read {size}");
    }

    [Fact]
    public async Task Suspend_without_room_is_refused_and_the_guest_keeps_running()
    {
        var converger = Converger(freeSaveBytes: 256L << 20);
        await converger.ConvergeAsync(Request(Server()));
        var result = await converger.ConvergeAsync(Request(Server(DesiredPowerState.Suspended)));
        Assert.Equal((ObservedPowerState.Running, false), (result.PowerState, result.Converged));
        Assert.Equal("suspending needs 576 MiB free in /save for the guest's memory, and 256 MiB are free", result.Refusal);
    }

    [Fact]
    public async Task A_reboot_request_is_handled_once_even_across_a_restart()
    {
        await Converger().ConvergeAsync(Request(Server()));
        Assert.True((await Converger().ConvergeAsync(Request(Server(reboot: "2026-12-03T08:00:00Z")))).Rebooted);
        Assert.False((await Converger().ConvergeAsync(Request(Server(reboot: "2026-12-03T08:00:00Z")))).Rebooted); // a new converger: a restarted daemon
        Assert.True((await Converger().ConvergeAsync(Request(Server(reboot: "2026-12-03T09:00:00Z")))).Rebooted);
    }

    [Fact]
    public async Task A_restarted_daemon_adopts_the_running_guest_without_touching_it()
    {
        await Converger().ConvergeAsync(Request(Server()));
        var events = 0;
        _driver.LifecycleEvent += (_, _) => events++;
        var adopted = await Converger().ConvergeAsync(Request(Server()));
        Assert.Equal((ObservedPowerState.Running, true, 0), (adopted.PowerState, adopted.Converged, events));
    }

    [Fact]
    public async Task An_image_failure_names_the_step_and_defines_nothing()
    {
        _files.FailingImages[Image.Sha256] = "checksum mismatch: expected aaaa, got bbbb";
        var e = await Assert.ThrowsAsync<InstanceStepException>(() => Converger().ConvergeAsync(Request(Server())));
        Assert.Equal(InstanceStep.Image, e.Step);
        Assert.Equal("image: checksum mismatch: expected aaaa, got bbbb", e.Message);
        Assert.Empty(_driver.List());

        _files.FailingImages.Clear(); // the input fixed: the next pass recovers
        Assert.True((await Converger().ConvergeAsync(Request(Server()))).Converged);
    }

    [Fact]
    public async Task Remove_leaves_nothing_and_orphans_are_domains_of_no_server()
    {
        var converger = Converger();
        await converger.ConvergeAsync(Request(Server()));
        _driver.Define("<domain type='qemu'><name>kc-demo-gone</name></domain>");
        _driver.Define("<domain type='qemu'><name>not-ours</name></domain>");
        Assert.Equal(["kc-demo-gone"], converger.Orphans([Server()]).Select(d => d.Name));

        await converger.RemoveAsync(Server(), []);
        await converger.RemoveAsync(Server(), []); // twice is fine
        Assert.Null(_driver.Find("kc-demo-web-1"));
        Assert.Empty(_files.Instances);
        Assert.False(Directory.Exists(Path.Combine(_root, "demo_web-1")));
    }
}
