namespace KubeCloud.Operator.Scale.Bench;

/// <summary>The size of a run. The defaults are a smoke run; issue 11's figures are <c>--servers 2000 --hypervisors 100 --cached 10000</c>.</summary>
public sealed record ScaleOptions
{
    /// <summary>Servers of the measured wave.</summary>
    public int Servers { get; init; } = 50;

    public int Hypervisors { get; init; } = 5;

    /// <summary>Servers in the operator's cache for the memory figure (a second wave tops the first up to this); 0 skips it.</summary>
    public int Cached { get; init; }

    /// <summary>
    /// Paced waves after the burst: <see cref="Servers"/> servers each, created at each of these rates (servers/s) in
    /// turn, as clusterloader2 measures the pod-startup SLO; empty: none.
    /// </summary>
    public IReadOnlyList<double> Rates { get; init; } = [];

    /// <summary>Concurrent clients creating servers.</summary>
    public int Writers { get; init; } = 16;

    /// <summary>How often the node simulator renews every Hypervisor's heartbeat (the scheduler's service-down time is 60 s).</summary>
    public TimeSpan Heartbeat { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a wave may take before the bench reports what it has.</summary>
    public TimeSpan WaveTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The project the servers go to; the baseline uses <c>{Namespace}-baseline</c>.</summary>
    public string Namespace { get; init; } = "bench";

    /// <summary>
    /// The node simulator's workers: one per two nodes, 4 to 32 (every real node has a daemon of its own, so the
    /// stand-in for a hundred of them must not be a queue of four).
    /// </summary>
    public int NodeWorkers => Math.Clamp(Hypervisors / 2, 4, 32);

    /// <summary>Instances each Hypervisor allows: room for every server of the run (the burst, the paced waves, the cache), a quarter to spare.</summary>
    public int ServersPerHypervisor => (int)Math.Ceiling(Math.Max(Servers * (1 + Rates.Count), Cached) * 1.25 / Hypervisors) + 1;
}
