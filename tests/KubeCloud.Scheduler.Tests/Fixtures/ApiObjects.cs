using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;

namespace KubeCloud.Scheduler.Tests.Fixtures;

/// <summary>Small builders of API objects for the tests that start from Kubernetes resources.</summary>
internal static class ApiObjects
{
    public static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    public static Hypervisor Hypervisor(string name, int vcpus = 16, string memory = "32Gi", string disk = "1Ti", string? zone = null, DateTimeOffset? heartbeat = null, bool ready = true)
    {
        var hypervisor = new Hypervisor { Metadata = new() { Name = name, Labels = new Dictionary<string, string>() } };
        if (zone is not null)
        {
            hypervisor.Metadata.Labels!["topology.kubernetes.io/zone"] = zone;
        }

        hypervisor.Status = new HypervisorStatus
        {
            HypervisorType = HypervisorType.Kvm,
            Capacity = new HypervisorResources { Vcpus = vcpus, Memory = Quantity.Parse(memory), Disk = Quantity.Parse(disk) },
            LastHeartbeatTime = heartbeat ?? Now,
            Conditions = [new Condition { Type = "Ready", Status = ready ? ConditionStatus.True : ConditionStatus.False, Reason = "NodeDaemonReporting", LastTransitionTime = Now }],
            TunnelIP = "10.0.0.1",
            Cpu = new HypervisorCpu { Model = "Skylake", Architecture = CpuArchitecture.X8664, Features = ["avx2"] },
        };
        return hypervisor;
    }

    public static Flavor Flavor(string name = "m1.small", int vcpus = 1, string memory = "2Gi", string rootDisk = "20Gi", Dictionary<string, string>? extraSpecs = null)
    {
        var flavor = new Flavor { Metadata = new() { Name = name } };
        flavor.Spec.Vcpus = vcpus;
        flavor.Spec.Memory = Quantity.Parse(memory);
        flavor.Spec.RootDisk = Quantity.Parse(rootDisk);
        flavor.Spec.ExtraSpecs = extraSpecs;
        return flavor;
    }

    public static Server Server(string name, string ns = "demo", string? node = null, Flavor? flavor = null, ServerPhase? phase = ServerPhase.Active)
    {
        var server = new Server { Metadata = new() { Name = name, NamespaceProperty = ns, Uid = RequestBuilder.UidOf(ns, name) } };
        server.Spec.ImageRef = new NamespacedObjectReference { Name = "cirros" };
        server.Spec.FlavorRef = new LocalObjectReference { Name = flavor?.Metadata.Name ?? "m1.small" };
        if (node is not null)
        {
            var f = (flavor ?? Flavor()).Spec;
            server.Status = new ServerStatus
            {
                Node = node,
                Phase = phase,
                Flavor = new FlavorSnapshot { Name = server.Spec.FlavorRef.Name, Vcpus = f.Vcpus, Memory = f.Memory, RootDisk = f.RootDisk, EphemeralDisk = f.EphemeralDisk, Swap = f.Swap },
            };
        }

        return server;
    }

    /// <summary>A clock that stands still.</summary>
    public sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
