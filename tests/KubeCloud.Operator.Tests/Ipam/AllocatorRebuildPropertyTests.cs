using FsCheck;
using FsCheck.Fluent;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Operator.Ipam;
using static KubeCloud.Operator.Tests.Fixtures.Build;

namespace KubeCloud.Operator.Tests.Ipam;

/// <summary>
/// The restart property of the IPAM protocol: after any sequence of allocations, commits (status
/// written), aborts (status write failed) and deletions, an allocator rebuilt from the Ports'
/// statuses holds exactly what the live one holds committed, and hands out no address twice.
/// </summary>
public sealed class AllocatorRebuildPropertyTests
{
    private enum Step
    {
        AllocateAndCommit,
        AllocateAndAbort,
        AllocatePending,
        Delete,
    }

    private static readonly Network Net = Network("p1", "net",
        Subnet("v4", "10.0.0.0/26", null, ("10.0.0.2", "10.0.0.40")),
        Subnet("v6", "fd00::/120"));

    [Fact]
    public void Rebuild_from_port_statuses_equals_the_live_committed_state()
    {
        var steps = Gen.ListOf(
            from step in Gen.Elements(Enum.GetValues<Step>())
            from n in Gen.Choose(0, 60)
            from subnet in Gen.Elements<string?>(null, "v4", "v6")
            select (Step: step, N: n, Subnet: subnet));
        Prop.ForAll(steps.ToArbitrary(), script =>
        {
            var random = new Random(7);
            var live = new NetworkAddressAllocator(Net, new MacAddressAllocator(random: () => (ulong)random.NextInt64()));
            var ports = new Dictionary<string, Port>(StringComparer.Ordinal);
            foreach (var (step, n, subnet) in script)
            {
                var uid = $"port-{n}";
                if (step == Step.Delete)
                {
                    live.Release(uid);
                    ports.Remove(uid);
                    continue;
                }

                var spec = new PortSpec { FixedIPs = [new FixedIP { Subnet = subnet }] };
                var allocation = live.Allocate(new PortIdentity("p1", uid, uid), spec);
                if (!allocation.Succeeded || ports.ContainsKey(uid))
                {
                    continue;
                }

                switch (step)
                {
                    case Step.AllocateAndCommit:
                        ports[uid] = StatusOf(uid, allocation.Addresses!);
                        live.Commit(uid);
                        break;
                    case Step.AllocateAndAbort:
                        live.Release(uid);
                        break;
                    case Step.AllocatePending:
                        // The operator "dies" here: the allocation never reaches the status.
                        break;
                }
            }

            var rebuilt = NetworkAddressAllocator.Rebuild(Net, ports.Values, out var conflicts);
            var committed = live.Snapshot();
            var restored = rebuilt.Snapshot();
            var pending = live.Snapshot(includePending: true).Values.SelectMany(a => a.FixedIPs).ToList();
            return conflicts.Count == 0
                && committed.Count == restored.Count
                && committed.All(c => restored.TryGetValue(c.Key, out var r) && r.SameAs(c.Value))
                && pending.Distinct().Count() == pending.Count;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }

    private static Port StatusOf(string uid, PortAddresses addresses)
    {
        var port = Port("p1", uid, "net");
        port.Metadata.Uid = uid;
        port.Status = new PortStatus { MacAddress = addresses.MacAddress, FixedIPs = [.. addresses.FixedIPs.Select(ip => ip.ToStatus())] };
        return port;
    }
}
