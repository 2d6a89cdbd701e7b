using System.Diagnostics;
using System.Globalization;
using KubeCloud.ControllerRuntime.Client;

namespace KubeCloud.Operator.Scale.Bench;

/// <summary>
/// One wave of servers: <c>count</c> Servers created by <c>writers</c> concurrent clients (POST, as <c>kubectl create</c>),
/// all at once (a burst) or at a steady rate (paced, as clusterloader2 creates pods for the pod-startup SLO), then
/// awaited until every one is seen Active (or, with no operator running, seen at all: the baseline).
/// </summary>
public static class ServerWave
{
    /// <summary>What a wave waits for.</summary>
    public enum Until
    {
        /// <summary>Each server seen by the bench's informer: the API server and the watch alone (no operator).</summary>
        Seen,

        /// <summary>Each server seen in phase Active: the whole flow through the operator and the node simulator.</summary>
        Active,
    }

    /// <summary>Servers named <c>{prefix}-{first:D6}</c>... up to <paramref name="count"/>.</summary>
    public static IReadOnlyList<string> Names(string prefix, int first, int count) =>
        [.. Enumerable.Range(first, count).Select(i => string.Create(CultureInfo.InvariantCulture, $"{prefix}-{i:D6}"))];

    /// <param name="client">The creators' client.</param>
    /// <param name="cloud">The flavor and image the servers use.</param>
    /// <param name="timeline">Stamps each server when sent, seen, scheduled and Active.</param>
    /// <param name="names">The servers to create.</param>
    /// <param name="writers">At most this many creates in flight.</param>
    /// <param name="rate">Servers per second, each sent at its turn (first + i / rate); null sends them all at once.</param>
    /// <param name="until">What the wave waits for.</param>
    /// <param name="timeout">How long it waits.</param>
    /// <param name="cancellationToken">Stops the wave.</param>
    public static async Task<WaveResult> RunAsync(IKubeClient client, BenchCloud cloud, ServerTimeline timeline, IReadOnlyList<string> names, int writers, double? rate, Until until, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(cloud);
        ArgumentNullException.ThrowIfNull(timeline);
        ArgumentNullException.ThrowIfNull(names);
        var activeBefore = timeline.Active;
        var start = Stopwatch.GetTimestamp();
        async Task CreateAsync(string name, CancellationToken ct)
        {
            timeline.Sent(name);
            await client.CreateAsync(cloud.NewServer(name), cancellationToken: ct);
        }

        if (rate is { } perSecond)
        {
            await PacedAsync(names, writers, perSecond, start, CreateAsync, cancellationToken);
        }
        else
        {
            await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = writers, CancellationToken = cancellationToken }, async (name, ct) => await CreateAsync(name, ct));
        }

        var created = Stopwatch.GetElapsedTime(start);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var completed = true;
        try
        {
            if (until == Until.Active)
            {
                await timeline.WaitForActiveAsync(activeBefore + names.Count, deadline.Token);
            }
            else
            {
                while (timeline.Of(names).Any(t => t.Seen is null))
                {
                    await Task.Delay(5, deadline.Token);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            completed = false;
        }

        return new WaveResult(names.Count, start, created, completed ? null : Stopwatch.GetTimestamp(), timeline.Of(names)) { Rate = rate };
    }

    /// <summary>
    /// Sends server i at <paramref name="start"/> + i / <paramref name="rate"/> (on the schedule, not after the previous
    /// answer, so a slow answer does not slow the rate), with at most <paramref name="writers"/> creates in flight; a
    /// create that finds every writer busy goes out late, which <see cref="WaveResult.CreateRate"/> then shows.
    /// </summary>
    private static async Task PacedAsync(IReadOnlyList<string> names, int writers, double rate, long start, Func<string, CancellationToken, Task> create, CancellationToken cancellationToken)
    {
        using var slots = new SemaphoreSlim(writers);
        var sends = new List<Task>(names.Count);
        for (var i = 0; i < names.Count; i++)
        {
            var due = TimeSpan.FromSeconds(i / rate) - Stopwatch.GetElapsedTime(start);
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, cancellationToken);
            }

            await slots.WaitAsync(cancellationToken);
            var name = names[i];
            sends.Add(Task.Run(async () =>
            {
                try
                {
                    await create(name, cancellationToken);
                }
                finally
                {
                    slots.Release();
                }
            }, cancellationToken));
        }

        await Task.WhenAll(sends);
    }
}

/// <summary>A wave's stamps and the figures drawn from them.</summary>
public sealed class WaveResult(int count, long start, TimeSpan created, long? gaveUp, IReadOnlyList<ServerTimes> servers)
{
    public int Count { get; } = count;

    /// <summary>When the first create was sent (<see cref="Stopwatch"/> ticks).</summary>
    public long Start { get; } = start;

    /// <summary>From the first create sent to the last create answered.</summary>
    public TimeSpan CreateTime { get; } = created;

    /// <summary>False when the wave's timeout passed first.</summary>
    public bool Completed => gaveUp is null;

    public IReadOnlyList<ServerTimes> Servers { get; } = servers;

    public int Active => Servers.Count(s => s.Active is not null);

    /// <summary>From the first create sent to the last server seen Active (the baseline: seen), or to the timeout.</summary>
    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(Start, gaveUp ?? Servers.Select(s => s.Active ?? s.Seen ?? Start).DefaultIfEmpty(Start).Max());

    /// <summary>Creates answered per second.</summary>
    public double CreateRate => Count / CreateTime.TotalSeconds;

    /// <summary>Servers Active per second, first create to last Active (to the timeout when some never were).</summary>
    public double ServerRate => Active / Elapsed.TotalSeconds;

    /// <summary>The rate the creates were paced at (servers/s); null for a burst.</summary>
    public double? Rate { get; init; }

    /// <summary>Every server Active before the timeout with p99 creation to Active under <paramref name="slo"/>.</summary>
    public bool Meets(TimeSpan slo) => Completed && Active == Count && ToActive.P99 < slo.TotalMilliseconds;

    public Percentiles ToSeen => Percentiles.Of(Servers.Select(s => Span(s.Sent, s.Seen)));

    public Percentiles ToScheduled => Percentiles.Of(Servers.Select(s => Span(s.Sent, s.Scheduled)));

    public Percentiles ToActive => Percentiles.Of(Servers.Select(s => Span(s.Sent, s.Active)));

    private static double? Span(long from, long? to) => to is { } end ? Stopwatch.GetElapsedTime(from, end).TotalMilliseconds : null;
}

/// <summary>Nearest-rank percentiles of latencies in milliseconds; missing samples (null) are counted, not ranked.</summary>
public readonly record struct Percentiles(int Samples, int Missing, double P50, double P95, double P99, double Max)
{
    public static Percentiles Of(IEnumerable<double?> milliseconds)
    {
        var all = milliseconds.ToList();
        var sorted = all.OfType<double>().Order().ToArray();
        if (sorted.Length == 0)
        {
            return new Percentiles(0, all.Count, double.NaN, double.NaN, double.NaN, double.NaN);
        }

        double Rank(double p) => sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new Percentiles(sorted.Length, all.Count - sorted.Length, Rank(50), Rank(95), Rank(99), sorted[^1]);
    }

    public override string ToString() => Samples == 0
        ? $"no samples ({Missing} missing)"
        : string.Create(CultureInfo.InvariantCulture, $"p50 {P50:F0} / p95 {P95:F0} / p99 {P99:F0} ms (max {Max:F0}{(Missing > 0 ? $", {Missing} missing" : string.Empty)})");
}
