using KubeCloud.Node.Hypervisor;
using KubeCloud.Node.Images;
using KubeCloud.Node.Processes;

namespace KubeCloud.Node.Tests.Fixtures;

/// <summary>Tests that boot guests share one guest image and libvirt connection and run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class VmCollection : ICollectionFixture<VmFixture>
{
    public const string Name = "vm";
}

public sealed class VmFixture : IAsyncLifetime
{
    public ICommandRunner Run { get; } = ProcessCommandRunner.Instance;

    public BusyboxGuestImage Guest { get; private set; } = null!;

    public LibvirtDriver Driver { get; private set; } = null!;

    public HypervisorProbeResult Probe { get; private set; } = null!;

    /// <summary>Per-run scratch directory; removed at the end.</summary>
    public string WorkDir { get; } = Path.Combine("/var/tmp", "kubecloud-node-tests-" + Guid.NewGuid().ToString("N")[..8]);

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(WorkDir);
        Guest = await BusyboxGuestImage.BuildAsync(Run);
        Probe = await new KvmProbe { KernelCandidates = [Guest.KernelPath], Timeout = TimeSpan.FromSeconds(10) }.ProbeAsync();
        Driver = LibvirtDriver.Open();
    }

    public Task DisposeAsync()
    {
        Driver?.Dispose();
        if (Directory.Exists(WorkDir))
        {
            Directory.Delete(WorkDir, true);
        }

        return Task.CompletedTask;
    }

    /// <summary>A guest domain booting the test kernel; callers add disks, NICs and seeds.</summary>
    public DomainSpec GuestSpec(string name, string cmdline = "") => new()
    {
        Name = name,
        Uuid = Guid.NewGuid(),
        Vcpus = 1,
        MemoryMiB = 160,
        Hypervisor = Probe.Type,
        SerialLogPath = Path.Combine(WorkDir, name + ".serial.log"),
        Kernel = new KernelBoot(Guest.KernelPath, Guest.InitrdPath, ("console=ttyS0 quiet panic=-1 " + cmdline).Trim()),
    };

    /// <summary>Destroys and undefines a domain if it exists; then checks it is gone.</summary>
    public void RemoveDomain(string name)
    {
        if (Driver.Find(name) is { } d)
        {
            if (d.Status.IsActive)
            {
                Driver.Destroy(name);
            }

            Driver.Undefine(name);
        }

        Assert.Null(Driver.Find(name));
    }
}
