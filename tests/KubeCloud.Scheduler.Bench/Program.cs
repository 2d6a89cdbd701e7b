using System.Diagnostics;
using System.Globalization;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Scheduler;
using KubeCloud.Scheduler.Bench;
using KubeCloud.Scheduler.Claims;
using KubeCloud.Scheduler.Configuration;
using KubeCloud.Scheduler.Filters;
using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;

// Usage: dotnet run -c Release --project tests/KubeCloud.Scheduler.Bench -- [--hosts 1000,10000] [--servers 10000] [--seed 1] [--filters A,B] [--stages true]
var hostCounts = new[] { 1000, 10000 };
var servers = 10000;
var seed = 1;
var stages = false;
string[]? onlyFilters = null;
for (var i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--stages":
            stages = bool.Parse(args[i + 1]);
            break;
        case "--hosts":
            hostCounts = [.. args[i + 1].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
            break;
        case "--servers":
            servers = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            break;
        case "--filters":
            onlyFilters = args[i + 1].Split(',', StringSplitOptions.RemoveEmptyEntries);
            break;
        case "--seed":
            seed = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            break;
        default:
            Console.Error.WriteLine($"unknown option {args[i]}");
            return 2;
    }
}

var options = SchedulerOptions.Default with
{
    // Every filter, cheap and selective ones first.
    EnabledFilters =
    [
        RetryFilter.FilterName, AvailabilityZoneFilter.FilterName, ComputeFilter.FilterName, RamFilter.FilterName,
        CoreFilter.FilterName, DiskFilter.FilterName, NumInstancesFilter.FilterName, IoOpsFilter.FilterName,
        AggregateMultiTenancyIsolation.FilterName, IsolatedHostsFilter.FilterName, ImagePropertiesFilter.FilterName,
        ComputeCapabilitiesFilter.FilterName, AggregateInstanceExtraSpecsFilter.FilterName,
        ServerGroupAntiAffinityFilter.FilterName, ServerGroupAffinityFilter.FilterName, SameHostFilter.FilterName,
        DifferentHostFilter.FilterName, SimpleCIDRAffinityFilter.FilterName, JsonFilter.FilterName,
    ],
    NumInstancesWeightMultiplier = -1.0,
    HostSubsetSize = 2,
    IsolatedHosts = ["node-00017", "node-00117", "node-00217", "node-00317"],
    IsolatedImages = ["secure/golden"],
};
if (onlyFilters is not null)
{
    options = options with { EnabledFilters = onlyFilters };
}

options.Validate();
Console.WriteLine($"KubeCloud.Scheduler benchmark: {servers} servers scheduled one after another with claims; {options.EnabledFilters.Count} filters, 7 weighers; {Environment.ProcessorCount} cores, .NET {Environment.Version}");
Console.WriteLine();
Console.WriteLine("decisions/s (wall) divides by the summed wall-clock latencies; decisions/s (CPU) by the thread CPU time of the decisions (CLOCK_THREAD_CPUTIME_ID), which holds up on a loaded machine.");
Console.WriteLine();
Console.WriteLine("p50/p99 are wall-clock latencies (a decision the OS preempts on a loaded machine counts the wait); CPU p50/p99 are the thread CPU time of single decisions (the plain loop has no per-decision CPU figures).");
Console.WriteLine();
Console.WriteLine("| hosts | pipeline | decisions/s (wall) | decisions/s (CPU) | p50 µs | p99 µs | CPU p50 µs | CPU p99 µs | bytes/decision | placed | no valid host |");
Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");

// Warm up the JIT until tiered compilation has settled (the first thousands of decisions run
// unoptimised code, which would otherwise be charged to whichever fleet comes first).
// Rounds with pauses give the background compiler time to install optimised code, which a loaded
// machine starves; without them the first fleet measured ran several times slower than a later one.
for (var round = 0; round < 8; round++)
{
    Run(1000, 3000, seed + 1000 + round, options, print: false);
    Thread.Sleep(300);
}

foreach (var hosts in hostCounts)
{
    Run(hosts, servers, seed, options, print: true);
    if (stages)
    {
        Stages.Run(hosts, Math.Min(servers, 3000), seed, options);
    }
}

return 0;

static void Run(int hostCount, int serverCount, int seed, SchedulerOptions options, bool print)
{
    var random = new Random(seed);
    var hypervisors = Cluster.Hypervisors(hostCount, random);
    var ledger = new AllocationLedger();
    var inventory = new HostInventory(options, ledger, new FixedTime(Cluster.Now));
    inventory.Refresh(hypervisors);
    var scheduler = new FilterScheduler(options, new Random(seed));
    var workload = new Workload(new Random(seed + 1), ledger);

    var latencies = new long[serverCount];
    long allocated = 0;
    var placed = 0;
    var failed = 0;
    var inFlight = new Queue<string>();
    string? sampleFault = null;
    string? sampleSuccess = null;
    var requests = new ScheduleRequest[serverCount];
    long cpuNs = 0;
    var cpuLatencies = new long[serverCount];
    for (var i = 0; i < serverCount; i++)
    {
        var request = workload.Next(i);
        var bytes = GC.GetAllocatedBytesForCurrentThread();
        var cpuStart = ThreadCpuClock.Nanoseconds();
        var start = Stopwatch.GetTimestamp();
        var result = scheduler.Schedule(inventory, request);
        latencies[i] = Stopwatch.GetTimestamp() - start;
        allocated += GC.GetAllocatedBytesForCurrentThread() - bytes;
        cpuLatencies[i] = ThreadCpuClock.Nanoseconds() - cpuStart;
        cpuNs += cpuLatencies[i];
        requests[i] = request;
        if (result.Succeeded)
        {
            placed++;
            workload.Placed(request, result.HostName!);
            sampleSuccess ??= i > 100 ? result.Explain() : null;
            inFlight.Enqueue(request.Uid);
        }
        else
        {
            failed++;
            sampleFault ??= result.Explain();
        }

        // Builds finish: the node daemon reports them done a few hundred decisions later.
        while (inFlight.Count > hostCount * 2)
        {
            var uid = inFlight.Dequeue();
            ledger.MarkBuilt(uid);
            inventory.Consume(ledger.AllocationOf(uid)!.Host);
        }
    }

    if (!print)
    {
        return;
    }

    var (rate, p50, p99) = Summarise(latencies);
    var cpuSorted = cpuLatencies.Order().ToArray();
    var (cpuP50, cpuP99) = (cpuSorted[serverCount / 2] / 1000.0, cpuSorted[(int)(serverCount * 0.99)] / 1000.0);
    Console.WriteLine($"| {hostCount:N0} | all filters + weighers + claim | {rate:N0} | {serverCount / (cpuNs / 1e9):N0} | {p50:N1} | {p99:N1} | {cpuP50:N1} | {cpuP99:N1} | {allocated / serverCount:N0} | {placed:N0} | {failed:N0} |");

    // The plain loop: the same hosts, only RAM/CPU/disk fit, most free RAM wins, usage updated.
    var baseline = new HostInventory(options, new AllocationLedger(), new FixedTime(Cluster.Now));
    baseline.Refresh(hypervisors);
    var states = baseline.Hosts.ToArray();
    var used = new (long Vcpus, long Memory, long Disk)[states.Length];
    var limits = states.Select(h => (h.VcpuLimit, h.MemoryLimitMb, h.DiskLimitMb)).ToArray();
    var plain = new long[serverCount];
    long plainBytes = 0;
    var plainPlaced = 0;
    var plainCpuStart = ThreadCpuClock.Nanoseconds();
    for (var i = 0; i < serverCount; i++)
    {
        var r = requests[i].Resources;
        var bytes = GC.GetAllocatedBytesForCurrentThread();
        var start = Stopwatch.GetTimestamp();
        var best = -1;
        var bestFree = long.MinValue;
        for (var h = 0; h < states.Length; h++)
        {
            var (v, m, d) = used[h];
            var (vl, ml, dl) = limits[h];
            if (v + r.Vcpus <= vl && m + r.MemoryMb <= ml && d + r.DiskMb <= dl && ml - m > bestFree)
            {
                best = h;
                bestFree = ml - m;
            }
        }

        if (best >= 0)
        {
            used[best] = (used[best].Vcpus + r.Vcpus, used[best].Memory + r.MemoryMb, used[best].Disk + r.DiskMb);
            plainPlaced++;
        }

        plain[i] = Stopwatch.GetTimestamp() - start;
        plainBytes += GC.GetAllocatedBytesForCurrentThread() - bytes;
    }

    var plainCpuNs = ThreadCpuClock.Nanoseconds() - plainCpuStart;
    var (plainRate, plainP50, plainP99) = Summarise(plain);
    Console.WriteLine($"| {hostCount:N0} | plain RAM/CPU/disk fit loop | {plainRate:N0} | {serverCount / (plainCpuNs / 1e9):N0} | {plainP50:N1} | {plainP99:N1} | | | {plainBytes / serverCount:N0} | {plainPlaced:N0} | {serverCount - plainPlaced:N0} |");
    Console.WriteLine($"| {hostCount:N0} | ratio full / plain (time per decision) | {plainRate / rate:N1}x | {(double)cpuNs / plainCpuNs:N1}x | {p50 / plainP50:N1}x | {p99 / plainP99:N1}x | | | | | |");
    Console.Error.WriteLine($"  sample success at {hostCount} hosts: {sampleSuccess}");
    Console.Error.WriteLine($"  sample no-valid-host at {hostCount} hosts: {sampleFault ?? "(none)"}");
}

static (double Rate, double P50, double P99) Summarise(long[] ticks)
{
    var total = ticks.Sum();
    var sorted = ticks.Order().ToArray();
    double Micro(long t) => t * 1_000_000.0 / Stopwatch.Frequency;
    return (ticks.Length / (total / (double)Stopwatch.Frequency), Micro(sorted[sorted.Length / 2]), Micro(sorted[(int)(sorted.Length * 0.99)]));
}

/// <summary>The request mix: zones, groups, hints, queries, extra specs, images, retries, 20 namespaces.</summary>
internal sealed class Workload(Random random, AllocationLedger ledger)
{
    private readonly Dictionary<string, ServerGroup> _groups = [];
    private readonly List<(string Ns, string Name)> _placed = [];

    public ScheduleRequest Next(int i)
    {
        var ns = $"tenant-{random.Next(20):D2}";
        var server = new Server { Metadata = new() { Name = $"vm-{i:D6}", NamespaceProperty = ns, Uid = $"{i:D8}-0000-4000-8000-000000000000" } };
        server.Spec.ImageRef = new NamespacedObjectReference { Name = "debian" };
        var hints = new SchedulerHints();
        var roll = random.Next(100);
        if (roll < 30)
        {
            server.Spec.AvailabilityZone = Cluster.Zones[random.Next(Cluster.Zones.Length)];
        }

        ServerGroup? group = null;
        var groupRoll = random.Next(100);
        if (groupRoll < 25)
        {
            var policy = groupRoll < 10 ? ServerGroupPolicy.AntiAffinity : groupRoll < 15 ? ServerGroupPolicy.Affinity : groupRoll < 20 ? ServerGroupPolicy.SoftAntiAffinity : ServerGroupPolicy.SoftAffinity;
            var name = $"{policy.ToString().ToLowerInvariant()}-{i / 40}";
            var key = $"{ns}/{name}";
            if (!_groups.TryGetValue(key, out group))
            {
                group = new ServerGroup { Metadata = new() { Name = name, NamespaceProperty = ns }, Status = new ServerGroupStatus { Members = [] } };
                group.Spec.Policy = policy;
                if (policy == ServerGroupPolicy.AntiAffinity && random.Next(2) == 0)
                {
                    group.Spec.Rules = new ServerGroupRules { MaxServerPerHost = 2 };
                }

                _groups[key] = group;
            }

            group.Status!.Members!.Add(server.Metadata.Name!);
            hints.ServerGroup = name;
        }

        if (_placed.Count > 0)
        {
            var hintRoll = random.Next(100);
            var other = _placed[random.Next(_placed.Count)];
            if (hintRoll < 5)
            {
                server.Metadata.NamespaceProperty = other.Ns;
                hints.DifferentHost = [other.Name];
            }
            else if (hintRoll < 7 && group is null)
            {
                server.Metadata.NamespaceProperty = other.Ns;
                hints.SameHost = [other.Name];
            }
        }

        var queryRoll = random.Next(100);
        if (queryRoll < 5)
        {
            hints.Query = "[\"and\", [\">=\", \"$free_ram_mb\", 16384], [\"<\", \"$num_instances\", 40], [\"=\", \"$hypervisor_type\", \"kvm\"]]";
        }
        else if (queryRoll < 8)
        {
            hints.BuildNearHostIP = $"10.0.{random.Next(40)}.1";
            hints.Cidr = 22;
        }

        server.Spec.SchedulerHints = hints;
        if (random.Next(100) < 2)
        {
            server.Status = new ServerStatus { TriedNodes = [$"node-{random.Next(1000):D5}"] };
        }

        var flavor = Cluster.Flavors[random.Next(Cluster.Flavors.Length)];
        var imageRoll = random.Next(100);
        var image = imageRoll < 2
            ? Cluster.MakeImage("secure", "golden", null)
            : imageRoll < 12 ? Cluster.MakeImage(server.Metadata.NamespaceProperty!, "debian", CpuArchitecture.X8664)
            : imageRoll < 14 ? Cluster.MakeImage(server.Metadata.NamespaceProperty!, "debian-arm", CpuArchitecture.Aarch64)
            : Cluster.MakeImage(server.Metadata.NamespaceProperty!, "debian", null);
        return ScheduleRequestFactory.Create(server, flavor, image, group, ledger.NodeResolver(server.Metadata.NamespaceProperty!));
    }

    public void Placed(ScheduleRequest request, string node) => _placed.Add((request.Namespace, request.Name));
}

internal sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
