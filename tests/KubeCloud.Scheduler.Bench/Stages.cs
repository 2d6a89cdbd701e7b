using KubeCloud.Scheduler.Claims;
using KubeCloud.Scheduler.Configuration;
using KubeCloud.Scheduler.Hosts;

namespace KubeCloud.Scheduler.Bench;

/// <summary>
/// Diagnostic mode (--stages true): where a decision's time goes. Replays the pipeline's stages
/// through the public batch forms with a stopwatch around each filter and weigher, then times whole
/// decisions; the rest (normalise, choose, claim, result) is the difference.
/// </summary>
internal static class Stages
{
    public static void Run(int hostCount, int serverCount, int seed, SchedulerOptions options)
    {
        var random = new Random(seed);
        var ledger = new AllocationLedger();
        var inventory = new HostInventory(options, ledger, new FixedTime(Cluster.Now));
        inventory.Refresh(Cluster.Hypervisors(hostCount, random));
        var scheduler = new FilterScheduler(options, new Random(seed));
        var workload = new Workload(new Random(seed + 1), ledger);
        var filterTicks = new long[scheduler.Filters.Count];
        var filterRuns = new int[scheduler.Filters.Count];
        var weigherTicks = new long[scheduler.Weighers.Count];
        var weigherRuns = new int[scheduler.Weighers.Count];
        var filterBytes = new long[scheduler.Filters.Count];
        var weigherBytes = new long[scheduler.Weighers.Count];
        long decisionBytes = 0;
        long decisionTicks = 0;
        long stageTicks = 0;
        var survivors = new int[hostCount];
        var scratch = new int[hostCount];
        var raw = new double[hostCount];
        for (var n = 0; n < serverCount; n++)
        {
            var request = workload.Next(n);
            var table = inventory.Table;
            var count = hostCount;
            for (var i = 0; i < count; i++)
            {
                survivors[i] = i;
            }

            var stageStart = ThreadCpuClock.Nanoseconds();
            for (var f = 0; f < scheduler.Filters.Count && count > 0; f++)
            {
                var bytes = GC.GetAllocatedBytesForCurrentThread();
                var start = ThreadCpuClock.Nanoseconds();
                if (scheduler.Filters[f].ForRequest(request) is { } filter)
                {
                    count = filter.FilterHosts(table, survivors.AsSpan(0, count), scratch.AsSpan(0, count), request);
                    (survivors, scratch) = (scratch, survivors);
                    filterRuns[f]++;
                }

                filterTicks[f] += ThreadCpuClock.Nanoseconds() - start;
                filterBytes[f] += GC.GetAllocatedBytesForCurrentThread() - bytes;
            }

            for (var w = 0; w < scheduler.Weighers.Count && count > 0; w++)
            {
                var bytes = GC.GetAllocatedBytesForCurrentThread();
                var start = ThreadCpuClock.Nanoseconds();
                var weigher = scheduler.Weighers[w];
                if (weigher.AppliesTo(request))
                {
                    weigher.WeighHosts(table, survivors.AsSpan(0, count), raw.AsSpan(0, count), request);
                    weigherRuns[w]++;
                }

                weigherTicks[w] += ThreadCpuClock.Nanoseconds() - start;
                weigherBytes[w] += GC.GetAllocatedBytesForCurrentThread() - bytes;
            }

            stageTicks += ThreadCpuClock.Nanoseconds() - stageStart;
            var decisionBytesStart = GC.GetAllocatedBytesForCurrentThread();
            var decisionStart = ThreadCpuClock.Nanoseconds();
            var result = scheduler.Schedule(inventory, request);
            decisionTicks += ThreadCpuClock.Nanoseconds() - decisionStart;
            decisionBytes += GC.GetAllocatedBytesForCurrentThread() - decisionBytesStart;
            if (result.Succeeded)
            {
                workload.Placed(request, result.HostName!);
            }
        }

        double Micro(long ticks) => ticks / 1000.0 / serverCount;
        Console.WriteLine();
        Console.WriteLine($"Stages at {hostCount:N0} hosts, µs per decision (averaged over {serverCount:N0} decisions; thread CPU time):");
        Console.WriteLine();
        Console.WriteLine("| stage | ran in % of decisions | µs per decision | bytes per decision |");
        Console.WriteLine("|---|---:|---:|---:|");
        for (var f = 0; f < filterTicks.Length; f++)
        {
            Console.WriteLine($"| {scheduler.Filters[f].Name} | {100.0 * filterRuns[f] / serverCount:N0} | {Micro(filterTicks[f]):N1} | {filterBytes[f] / serverCount:N0} |");
        }

        for (var w = 0; w < weigherTicks.Length; w++)
        {
            Console.WriteLine($"| {scheduler.Weighers[w].Name} | {100.0 * weigherRuns[w] / serverCount:N0} | {Micro(weigherTicks[w]):N1} | {weigherBytes[w] / serverCount:N0} |");
        }

        Console.WriteLine($"| filters + weighers | | {Micro(stageTicks):N1} | |");
        Console.WriteLine($"| whole decision (Schedule) | | {Micro(decisionTicks):N1} | {decisionBytes / serverCount:N0} |");
        Console.WriteLine($"| rest: normalise, choose, claim, result | | {Micro(decisionTicks - stageTicks):N1} | |");
        Console.WriteLine();
    }
}
