using System.Diagnostics;
using k8s;
using k8s.Models;
using KubeCloud.ControllerRuntime.LeaderElection;

namespace KubeCloud.ControllerRuntime.IntegrationTests;

[Collection(TimingCollection.Name)]
public sealed class LeaderElectionTests
{
    private static LeaderElectionOptions Options(string identity) => new()
    {
        LeaseName = "kubecloud-operator",
        LeaseNamespace = "kubecloud-system",
        Identity = identity,
        LeaseDuration = LeaseDuration,
        RenewDeadline = TimeSpan.FromMilliseconds(3000),
        RetryPeriod = RetryPeriod,
    };

    // Durations are generous so that a renewal delayed by a loaded CI machine (QEMU guests run beside these tests)
    // does not make a healthy leader step down; the assertions below check order and overlap, not speed.
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromMilliseconds(4000);
    private static readonly TimeSpan RetryPeriod = TimeSpan.FromMilliseconds(250);

    /// <summary>Leadership terms as the work saw them: from the start of the lead callback to the end of its cancellation.</summary>
    private sealed class Terms
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly List<(string Who, TimeSpan Start, TimeSpan End)> _terms = [];
        private readonly Dictionary<string, TimeSpan> _open = [];

        public Func<CancellationToken, Task> Lead(string who) => async token =>
        {
            lock (_terms)
            {
                Overlaps += _open.Count;
                _open[who] = _clock.Elapsed;
            }

            try
            {
                await Task.Delay(Timeout.Infinite, token);
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                lock (_terms)
                {
                    _terms.Add((who, _open[who], _clock.Elapsed));
                    _open.Remove(who);
                }
            }
        };

        public TimeSpan Now => _clock.Elapsed;

        /// <summary>How many times a term started while another was still open.</summary>
        public int Overlaps { get; private set; }

        public string? Current
        {
            get
            {
                lock (_terms)
                {
                    return _open.Keys.SingleOrDefault();
                }
            }
        }

        public TimeSpan? StartOfCurrent
        {
            get
            {
                lock (_terms)
                {
                    return _open.Values.Cast<TimeSpan?>().SingleOrDefault();
                }
            }
        }

        public List<(string Who, TimeSpan Start, TimeSpan End)> Closed()
        {
            lock (_terms)
            {
                return [.. _terms];
            }
        }
    }

    [Fact]
    public async Task A_dead_leader_is_replaced_within_the_lease_duration_and_two_leaders_never_overlap()
    {
        await using var cluster = await TestCluster.StartAsync();
        var handlerA = new PartitionableHandler();
        var handlerB = new PartitionableHandler();
        using var clientA = cluster.NewClient(handlerA);
        using var clientB = cluster.NewClient(handlerB);
        var a = new LeaderElector(clientA, Options("a"));
        var b = new LeaderElector(clientB, Options("b"));
        var terms = new Terms();
        using var stopA = new CancellationTokenSource();
        using var stopB = new CancellationTokenSource();
        var runA = a.RunAsync(terms.Lead("a"), stopA.Token);
        await TestCluster.EventuallyAsync(() => terms.Current == "a", "a leads");
        var runB = b.RunAsync(terms.Lead("b"), stopB.Token);
        await TestCluster.EventuallyAsync(() => b.ObservedHolder == "a", "b sees a's lease");
        await Task.Delay(1000);
        Assert.Equal("a", terms.Current);
        Assert.False(b.IsLeader);

        // a "dies": it can no longer reach the API server (its lease is not released).
        var lastContact = terms.Now;
        handlerA.Partitioned = true;
        await TestCluster.EventuallyAsync(() => terms.Current == "b", "b takes over", TimeSpan.FromSeconds(30));
        var handover = terms.StartOfCurrent!.Value - lastContact;
        // b may take the lease only once it has seen no renewal for a whole lease duration; a's last renewal was at
        // most one retry period before the partition. (How quickly b takes over after that is measured, not asserted.)
        Assert.True(handover >= LeaseDuration - RetryPeriod, $"b took the lease {handover} after a's last contact, before it expired");
        var closed = terms.Closed();
        Assert.NotEmpty(closed);
        Assert.All(closed, term =>
        {
            Assert.Equal("a", term.Who);
            Assert.True(term.End <= terms.StartOfCurrent, $"a led until {term.End}, b started at {terms.StartOfCurrent}");
        });
        Assert.False(a.IsLeader);

        // a comes back: it stays a follower while b renews.
        handlerA.Partitioned = false;
        await TestCluster.EventuallyAsync(() => a.ObservedHolder == "b", "a sees b's lease");
        await Task.Delay(1000);
        Assert.Equal("b", terms.Current);

        // b shuts down cleanly: it releases the lease and a takes over without waiting out the lease.
        var released = terms.Now;
        await stopB.CancelAsync();
        await runB.WaitAsync(TestCluster.Timeout);
        var lease = await clientA.GetAsync<V1Lease>("kubecloud-operator", "kubecloud-system");
        Assert.True(string.IsNullOrEmpty(lease.Spec!.HolderIdentity));
        await TestCluster.EventuallyAsync(() => terms.Current == "a", "a takes over after release");
        Assert.True(terms.StartOfCurrent!.Value - released < LeaseDuration, "took the released lease before it expired");

        await stopA.CancelAsync();
        await runA.WaitAsync(TestCluster.Timeout);
        var all = terms.Closed().OrderBy(t => t.Start).ToList();
        Assert.Equal(["a", "b", "a"], Collapse(all.Select(t => t.Who)));
        for (var i = 1; i < all.Count; i++)
        {
            Assert.True(all[i - 1].End <= all[i].Start, $"terms overlap: {all[i - 1]} and {all[i]}");
        }

        Assert.Equal(0, terms.Overlaps);
        lease = await clientA.GetAsync<V1Lease>("kubecloud-operator", "kubecloud-system");
        Assert.Equal(2, lease.Spec!.LeaseTransitions);
    }

    /// <summary>Successive terms of the same holder collapsed into one: a, a, b, a → a, b, a.</summary>
    private static List<string> Collapse(IEnumerable<string> holders)
    {
        var result = new List<string>();
        foreach (var holder in holders)
        {
            if (result.Count == 0 || result[^1] != holder)
            {
                result.Add(holder);
            }
        }

        return result;
    }

    [Fact]
    public async Task Candidates_racing_for_a_free_lease_elect_exactly_one()
    {
        await using var cluster = await TestCluster.StartAsync();
        var terms = new Terms();
        var clients = Enumerable.Range(0, 4).Select(_ => cluster.NewClient()).ToList();
        using var stop = new CancellationTokenSource();
        var runs = clients.Select((c, i) => new LeaderElector(c, Options($"c{i}")).RunAsync(terms.Lead($"c{i}"), stop.Token)).ToList();
        await TestCluster.EventuallyAsync(() => terms.Current is not null, "someone leads");
        await Task.Delay(1500);
        Assert.NotNull(terms.Current);
        Assert.Empty(terms.Closed());
        Assert.Equal(0, terms.Overlaps);
        await stop.CancelAsync();
        await Task.WhenAll(runs).WaitAsync(TestCluster.Timeout);
        foreach (var client in clients)
        {
            client.Dispose();
        }
    }
}
