using KubeCloud.Node.Hypervisor;

namespace KubeCloud.Node.Tests;

/// <summary>Domain XML for several server shapes, compared with files in Golden/ (UPDATE_GOLDEN=1 rewrites them).</summary>
public sealed class DomainXmlGoldenTests
{
    private static readonly Guid Uuid = Guid.Parse("7d6c1a52-3b1e-4f5e-9a57-1f2e3d4c5b6a");

    private static DomainSpec Base => new()
    {
        Name = "kc-demo-web-1",
        Uuid = Uuid,
        Vcpus = 2,
        MemoryMiB = 512,
        SerialLogPath = "/var/lib/kubecloud/instances/web-1/console.log",
        RootDiskPath = "/var/lib/kubecloud/instances/web-1/disk",
    };

    public static TheoryData<string> Cases => [.. Shapes.Keys];

    private static readonly Dictionary<string, DomainSpec> Shapes = new()
    {
        ["tcg-root-disk-only"] = Base,
        ["kvm-full"] = Base with
        {
            Hypervisor = HypervisorType.Kvm,
            EphemeralDiskPath = "/var/lib/kubecloud/instances/web-1/disk.eph0",
            SeedIsoPath = "/var/lib/kubecloud/instances/web-1/seed.iso",
            Nics = [new NicSpec("52:54:00:AA:BB:01", "kcbrabcdefghij", "tapabcdefghijk", 1450), new NicSpec("52:54:00:aa:bb:02", "kcbrklmnopqrst", "tapklmnopqrstu")],
            IscsiDisks =
            [
                new IscsiDiskSpec
                {
                    TargetIqn = "iqn.2025-01.io.kubecloud:volume-data",
                    ChapUsername = "kc-data",
                    ChapSecretUuid = Guid.Parse("0b7e6f38-1111-4222-8333-944455556666"),
                    Serial = "vol-data",
                },
            ],
        },
        ["tcg-direct-kernel-no-vnc"] = Base with
        {
            RootDiskPath = null,
            MemoryMiB = 128,
            Vcpus = 1,
            Vnc = false,
            Cpu = CpuMode.Maximum,
            Kernel = new KernelBoot("/var/cache/kc/vmlinuz", "/var/cache/kc/initrd.gz", "console=ttyS0 quiet"),
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Domain_xml_matches_golden_file(string shape)
    {
        var xml = DomainXmlBuilder.Build(Shapes[shape]);
        var golden = Path.Combine(AppContext.BaseDirectory, "Golden", shape + ".xml");
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            var source = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "Golden", shape + ".xml");
            File.WriteAllText(source, xml);
            return;
        }

        Assert.True(File.Exists(golden), $"missing golden file {golden}; run with UPDATE_GOLDEN=1");
        Assert.Equal(File.ReadAllText(golden), xml);
    }

    [Fact]
    public void Hot_plug_iscsi_disk_needs_a_target_device()
        => Assert.Throws<ArgumentException>(() => DomainXmlBuilder.IscsiDisk(new IscsiDiskSpec { TargetIqn = "iqn.x:y" }));

    [Fact]
    public void Chap_user_without_secret_is_refused()
        => Assert.Throws<ArgumentException>(() => DomainXmlBuilder.Build(Base with { IscsiDisks = [new IscsiDiskSpec { TargetIqn = "iqn.x:y", ChapUsername = "u" }] }));

    [Theory]
    [InlineData(0, 512, "vcpus must be at least 1")]
    [InlineData(1, 8, "memory must be at least 16 MiB")]
    public void Invalid_sizes_are_refused(int vcpus, int memory, string message)
        => Assert.Contains(message, Assert.Throws<ArgumentException>(() => DomainXmlBuilder.Build(Base with { Vcpus = vcpus, MemoryMiB = memory })).Message);

    [Fact]
    public void Tap_name_longer_than_fifteen_is_refused()
        => Assert.Throws<ArgumentException>(() => DomainXmlBuilder.Build(Base with { Nics = [new NicSpec("52:54:00:00:00:01", "br", "tap-much-too-long-name")] }));
}
