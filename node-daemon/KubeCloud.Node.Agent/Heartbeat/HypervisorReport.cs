using System.Runtime.InteropServices;
using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Node.HostFacts;
using HostHypervisorType = KubeCloud.Node.Hypervisor.HypervisorType;

namespace KubeCloud.Node.Agent.Heartbeat;

using Hypervisor = KubeCloud.Api.V1Alpha1.Hypervisor;

/// <summary>The node's fields of its Hypervisor's status (facts, capacity, tunnel IP, heartbeat, Ready/LibvirtReachable/KvmUsable).</summary>
public static class HypervisorReport
{
    public const string LibvirtReachable = "LibvirtReachable";
    public const string KvmUsable = "KvmUsable";

    private static readonly string[] OwnedConditions = [ConditionTypes.Ready, LibvirtReachable, KvmUsable];

    /// <param name="current">The Hypervisor as cached (null before it exists): its conditions keep their transition times.</param>
    /// <param name="facts">What <see cref="HostFactsReader"/> read.</param>
    /// <param name="libvirtError">Why libvirt did not answer; null when it did.</param>
    /// <param name="hypervisorVersion">The hypervisor's version, if known.</param>
    /// <param name="now">The heartbeat time.</param>
    public static HypervisorStatus Of(Hypervisor? current, HostFactsReport facts, string? libvirtError, string? hypervisorVersion, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var status = new HypervisorStatus
        {
            HypervisorType = facts.HypervisorType == HostHypervisorType.Kvm ? HypervisorType.Kvm : HypervisorType.Qemu,
            HypervisorVersion = hypervisorVersion,
            Cpu = new HypervisorCpu
            {
                Model = facts.CpuModel,
                Architecture = RuntimeInformation.OSArchitecture == Architecture.Arm64 ? CpuArchitecture.Aarch64 : CpuArchitecture.X8664,
                Features = [.. facts.CpuFlags.Distinct(StringComparer.Ordinal)],
            },
            Capacity = new HypervisorResources
            {
                Vcpus = facts.CpuCount,
                Memory = Quantity.FromBytes(facts.MemoryTotalBytes),
                Disk = Quantity.FromBytes(facts.DiskTotalBytes),
            },
            TunnelIP = facts.TunnelIp?.ToString(),
            LastHeartbeatTime = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), now.Offset),
            Conditions = [.. (current?.Status?.Conditions ?? []).Where(c => OwnedConditions.Contains(c.Type)).Select(c => new Condition
            {
                Type = c.Type, Status = c.Status, Reason = c.Reason, Message = c.Message, ObservedGeneration = c.ObservedGeneration, LastTransitionTime = c.LastTransitionTime,
            })],
        };
        if (libvirtError is null)
        {
            Conditions.Set(status, LibvirtReachable, ConditionStatus.True, "LibvirtAnswered", "libvirtd answered the node daemon", null, now);
            Conditions.Set(status, ConditionTypes.Ready, ConditionStatus.True, "NodeDaemonReady", "the node daemon reports and its hypervisor answers", null, now);
        }
        else
        {
            Conditions.Set(status, LibvirtReachable, ConditionStatus.False, "LibvirtUnreachable", libvirtError, null, now);
            Conditions.Set(status, ConditionTypes.Ready, ConditionStatus.False, "LibvirtUnreachable", "libvirtd does not answer: " + libvirtError, null, now);
        }

        if (facts.HypervisorType == HostHypervisorType.Kvm)
        {
            Conditions.Set(status, KvmUsable, ConditionStatus.True, "KvmProbePassed", facts.HypervisorReason, null, now);
        }
        else
        {
            Conditions.Set(status, KvmUsable, ConditionStatus.False, "QemuTcgFallback", "guests run under QEMU's TCG (slow): " + facts.HypervisorReason, null, now);
        }

        status.ObservedGeneration = null; // the operator's field
        return status;
    }
}
