using System.Globalization;

namespace KubeCloud.Operator.Scale.Bench;

/// <summary>
/// A process's memory and CPU time from <c>/proc/&lt;pid&gt;</c> (Linux): <c>VmRSS</c> (resident now), <c>VmHWM</c>
/// (the peak resident size since it started), the resident set split as the kernel counts it (<c>RssAnon</c>: private
/// memory, the GC heap, native allocations, thread stacks; <c>RssFile</c>: mapped files, the assemblies and native
/// libraries, shared with every process that maps them and dropped by the kernel under pressure; <c>RssShmem</c>: the
/// runtime's executable memory, JIT'd code and stubs, which W^X double-maps through a memfd) and <c>utime + stime</c>.
/// No EventPipe, no agent in the process.
/// </summary>
public sealed class ProcessProbe(int processId)
{
    // USER_HZ: 100 on every Linux architecture .NET runs on.
    private const double ClockTicksPerSecond = 100;

    public int ProcessId { get; } = processId;

    public ProcessSample Sample()
    {
        long rss = 0, peak = 0, anonymous = 0, file = 0, shmem = 0;
        foreach (var line in File.ReadLines($"/proc/{ProcessId}/status"))
        {
            var field = line.Split(':', 2)[0];
            switch (field)
            {
                case "VmRSS":
                    rss = Kilobytes(line);
                    break;
                case "VmHWM":
                    peak = Kilobytes(line);
                    break;
                case "RssAnon":
                    anonymous = Kilobytes(line);
                    break;
                case "RssFile":
                    file = Kilobytes(line);
                    break;
                case "RssShmem":
                    shmem = Kilobytes(line);
                    break;
            }
        }

        // /proc/<pid>/stat: the command is in parentheses and may hold spaces; fields after it start at "state" (3rd).
        var stat = File.ReadAllText($"/proc/{ProcessId}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return new ProcessSample(rss * 1024, peak * 1024, TimeSpan.FromSeconds(ticks / ClockTicksPerSecond))
        {
            AnonymousBytes = anonymous * 1024,
            FileBytes = file * 1024,
            ShmemBytes = shmem * 1024,
        };
    }

    /// <summary>
    /// The median (by RSS) of the last five samples, a second apart, once those five lie within 2 MB of each other (at
    /// most 30 s): the GC decommits what it freed over a few seconds, so a single reading right after a collection is
    /// not yet what the process keeps.
    /// </summary>
    public ProcessSample Settled()
    {
        var samples = new List<ProcessSample>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            Thread.Sleep(1000);
            samples.Add(Sample());
            var last = samples.TakeLast(5).ToList();
            if (last.Count == 5 && (last.Max(s => s.RssBytes) - last.Min(s => s.RssBytes) < 2_000_000 || DateTime.UtcNow > deadline))
            {
                return last.OrderBy(s => s.RssBytes).ElementAt(2);
            }
        }
    }

    /// <summary>The machine's load averages (1, 5, 15 minutes) as <c>/proc/loadavg</c> has them.</summary>
    public static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    private static long Kilobytes(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}

/// <summary>One reading of <see cref="ProcessProbe"/>.</summary>
public readonly record struct ProcessSample(long RssBytes, long PeakRssBytes, TimeSpan CpuTime)
{
    /// <summary>Private memory (<c>RssAnon</c>): what the process alone costs the machine.</summary>
    public long AnonymousBytes { get; init; }

    /// <summary>Mapped files (<c>RssFile</c>): assemblies and libraries, shared between processes and reclaimable.</summary>
    public long FileBytes { get; init; }

    /// <summary>Shared memory (<c>RssShmem</c>): for .NET, the executable memory W^X maps through a memfd (JIT'd code, stubs).</summary>
    public long ShmemBytes { get; init; }

    /// <summary>What only this process holds: anonymous plus shmem (the runtime's memfd is its own).</summary>
    public long PrivateBytes => AnonymousBytes + ShmemBytes;

    /// <summary>"RSS 142 MB = anon 41 + shmem 29 + file 71": the split in megabytes (10^6 bytes).</summary>
    public string Breakdown => FormattableString.Invariant(
        $"RSS {RssBytes / 1e6:F0} MB = anon {AnonymousBytes / 1e6:F0} + JIT/stubs memfd {ShmemBytes / 1e6:F0} + mapped files {FileBytes / 1e6:F0}");

    public double RssMiB => RssBytes / 1024.0 / 1024.0;

    public double PeakRssMiB => PeakRssBytes / 1024.0 / 1024.0;
}
