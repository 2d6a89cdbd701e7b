using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;

namespace KubeCloud.Scheduler.Bench;

/// <summary>A synthetic but realistic fleet: hardware profiles, zones, aggregate labels, some broken hosts.</summary>
internal static class Cluster
{
    public static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly (string Name, int Vcpus, string Memory, string Disk, CpuArchitecture Arch, string Model, string[] Features)[] Profiles =
    [
        ("general", 32, "128Gi", "1Ti", CpuArchitecture.X8664, "Skylake-Server", ["sse4_2", "avx", "avx2"]),
        ("compute", 64, "256Gi", "2Ti", CpuArchitecture.X8664, "Icelake-Server", ["sse4_2", "avx", "avx2", "avx512f"]),
        ("large", 128, "512Gi", "4Ti", CpuArchitecture.X8664, "EPYC-Milan", ["sse4_2", "avx", "avx2"]),
        ("highmem", 96, "1Ti", "2Ti", CpuArchitecture.X8664, "Sapphire Rapids", ["sse4_2", "avx", "avx2", "avx512f", "amx"]),
        ("arm", 80, "256Gi", "2Ti", CpuArchitecture.Aarch64, "Neoverse-N1", ["asimd", "crc32"]),
    ];

    public static readonly string[] Zones = ["az1", "az2", "az3", "az4"];

    public static List<Hypervisor> Hypervisors(int count, Random random)
    {
        var list = new List<Hypervisor>(count);
        for (var i = 0; i < count; i++)
        {
            var profile = Profiles[i % 10 < 4 ? 0 : i % 10 < 7 ? 1 : i % 10 < 8 ? 2 : i % 10 < 9 ? 3 : 4];
            var labels = new Dictionary<string, string>
            {
                ["topology.kubernetes.io/zone"] = Zones[i % Zones.Length],
                ["kubernetes.io/hostname"] = $"node-{i:D5}",
                ["ssd"] = random.Next(3) == 0 ? "false" : "true",
                ["tier"] = random.Next(4) == 0 ? "gold" : "silver",
                ["nic-gbps"] = random.Next(2) == 0 ? "25" : "100",
            };
            if (i % 50 == 7)
            {
                labels["kubecloud.io/filter-tenant-id"] = $"tenant-{i % 20:D2}";
            }

            if (i % 25 == 3)
            {
                labels["gpu"] = "a100";
            }

            var hypervisor = new Hypervisor { Metadata = new() { Name = $"node-{i:D5}", Labels = labels } };
            hypervisor.Spec.Disabled = i % 100 == 13;
            if (i % 20 == 5)
            {
                hypervisor.Spec.CpuAllocationRatio = 8.0;
                hypervisor.Spec.RamAllocationRatio = 1.5;
            }

            var ready = i % 100 != 42;
            hypervisor.Status = new HypervisorStatus
            {
                HypervisorType = i % 20 == 11 ? HypervisorType.Qemu : HypervisorType.Kvm,
                Cpu = new HypervisorCpu { Model = profile.Model, Vendor = profile.Arch == CpuArchitecture.Aarch64 ? "ARM" : "Intel", Architecture = profile.Arch, Features = [.. profile.Features] },
                Capacity = new HypervisorResources { Vcpus = profile.Vcpus, Memory = Quantity.Parse(profile.Memory), Disk = Quantity.Parse(profile.Disk) },
                TunnelIP = $"10.{i / 65536 % 256}.{i / 256 % 256}.{i % 256}",
                IoOps = random.Next(3),
                LastHeartbeatTime = ready ? Now.AddSeconds(-random.Next(30)) : Now.AddMinutes(-10),
                Conditions = [new Condition { Type = "Ready", Status = ConditionStatus.True, Reason = "NodeDaemonReporting", LastTransitionTime = Now }],
            };
            list.Add(hypervisor);
        }

        return list;
    }

    public static readonly Flavor[] Flavors =
    [
        MakeFlavor("m1.tiny", 1, "512Mi", "1Gi"),
        MakeFlavor("m1.small", 1, "2Gi", "20Gi"),
        MakeFlavor("m1.medium", 2, "4Gi", "40Gi"),
        MakeFlavor("m1.large", 4, "8Gi", "80Gi"),
        MakeFlavor("m1.xlarge", 8, "16Gi", "160Gi"),
        MakeFlavor("ssd.large", 4, "8Gi", "80Gi", new() { ["aggregate_instance_extra_specs:ssd"] = "true", ["aggregate_instance_extra_specs:nic-gbps"] = ">= 25" }),
        MakeFlavor("avx512.xlarge", 8, "32Gi", "100Gi", new() { ["capabilities:cpu_info:features"] = "<all-in> avx2 avx512f", ["capabilities:hypervisor_type"] = "s== kvm" }),
        MakeFlavor("gold.medium", 2, "4Gi", "40Gi", new() { ["aggregate_instance_extra_specs:tier"] = "<or> gold <or> platinum" }),
    ];

    private static Flavor MakeFlavor(string name, int vcpus, string memory, string root, Dictionary<string, string>? extraSpecs = null)
    {
        var flavor = new Flavor { Metadata = new() { Name = name } };
        flavor.Spec.Vcpus = vcpus;
        flavor.Spec.Memory = Quantity.Parse(memory);
        flavor.Spec.RootDisk = Quantity.Parse(root);
        flavor.Spec.ExtraSpecs = extraSpecs;
        return flavor;
    }

    public static Image MakeImage(string ns, string name, CpuArchitecture? arch)
    {
        var image = new Image { Metadata = new() { Name = name, NamespaceProperty = ns } };
        if (arch is not null)
        {
            image.Spec.Properties = new ImageProperties { Architecture = arch };
        }

        return image;
    }
}
