namespace KubeCloud.Node.Hypervisor;

/// <summary>Everything the node needs to render one server's libvirt domain. Node-local; mapped from the API types.</summary>
public sealed record DomainSpec
{
    public required string Name { get; init; }

    public required Guid Uuid { get; init; }

    public int Vcpus { get; init; } = 1;

    public int MemoryMiB { get; init; } = 256;

    public HypervisorType Hypervisor { get; init; } = HypervisorType.Qemu;

    /// <summary>CPU model; null picks host-model for kvm and qemu64 for TCG.</summary>
    public CpuMode? Cpu { get; init; }

    /// <summary>The per-server qcow2 overlay over the cached base image (vda).</summary>
    public string? RootDiskPath { get; init; }

    public string RootDiskFormat { get; init; } = "qcow2";

    /// <summary>The flavor's ephemeral disk (vdb), a qcow2 file.</summary>
    public string? EphemeralDiskPath { get; init; }

    /// <summary>The cloud-init NoCloud ISO, attached as a read-only CD-ROM.</summary>
    public string? SeedIsoPath { get; init; }

    public IReadOnlyList<IscsiDiskSpec> IscsiDisks { get; init; } = [];

    public IReadOnlyList<NicSpec> Nics { get; init; } = [];

    /// <summary>The serial console (ttyS0) goes to this file, appended across restarts.</summary>
    public required string SerialLogPath { get; init; }

    /// <summary>Direct kernel boot instead of booting the root disk.</summary>
    public KernelBoot? Kernel { get; init; }

    /// <summary>VNC console on 127.0.0.1 (auto port).</summary>
    public bool Vnc { get; init; } = true;

    public string Machine { get; init; } = "pc";
}

/// <summary>The guest CPU: libvirt's mode and, for custom, the model name.</summary>
public sealed record CpuMode(string Mode, string? Model = null)
{
    public static CpuMode HostModel { get; } = new("host-model");

    public static CpuMode HostPassthrough { get; } = new("host-passthrough");

    public static CpuMode Maximum { get; } = new("maximum");

    public static CpuMode Qemu64 { get; } = new("custom", "qemu64");
}

/// <summary>Direct kernel boot (kernel, initrd, command line).</summary>
public sealed record KernelBoot(string KernelPath, string? InitrdPath, string CommandLine);

/// <summary>An iSCSI LUN attached with QEMU's built-in initiator, authenticated with CHAP.</summary>
public sealed record IscsiDiskSpec
{
    public required string TargetIqn { get; init; }

    public int Lun { get; init; } = 1;

    public string PortalHost { get; init; } = "127.0.0.1";

    public int PortalPort { get; init; } = 3260;

    /// <summary>CHAP user; null for no authentication.</summary>
    public string? ChapUsername { get; init; }

    /// <summary>libvirt secret (usage type iscsi) holding the CHAP password.</summary>
    public Guid? ChapSecretUuid { get; init; }

    /// <summary>Guest device name (vdc, vdd...); the builder assigns one when null.</summary>
    public string? TargetDevice { get; init; }

    /// <summary>Disk serial the guest sees (/sys/block/vdX/serial), e.g. the volume's id.</summary>
    public string? Serial { get; init; }
}

/// <summary>A virtio NIC plugged into a Linux bridge through a tap with a fixed name.</summary>
public sealed record NicSpec(string MacAddress, string Bridge, string TapName, int? Mtu = null);
