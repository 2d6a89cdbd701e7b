using System.Globalization;

namespace KubeCloud.Operator.Scale.Bench;

/// <summary>
/// A process's memory and CPU time from <c>/proc/&lt;pid&gt;</c> (Linux): <c>VmRSS</c> (resident now), <c>VmHWM</c>
/// (the peak resident size since it started) and <c>utime + stime</c>. No EventPipe, no agent in the process.
/// </summary>
public sealed class ProcessProbe(int processId)
{
    // USER_HZ: 100 on every Linux architecture .NET runs on.
    private const double ClockTicksPerSecond = 100;

    public int ProcessId { get; } = processId;

    public ProcessSample Sample()
    {
        long rss = 0, peak = 0;
        foreach (var line in File.ReadLines($"/proc/{ProcessId}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kilobytes(line);
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kilobytes(line);
            }
        }

        // /proc/<pid>/stat: the command is in parentheses and may hold spaces; fields after it start at "state" (3rd).
        var stat = File.ReadAllText($"/proc/{ProcessId}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return new ProcessSample(rss * 1024, peak * 1024, TimeSpan.FromSeconds(ticks / ClockTicksPerSecond));
    }

    /// <summary>The machine's load averages (1, 5, 15 minutes) as <c>/proc/loadavg</c> has them.</summary>
    public static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    private static long Kilobytes(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}

/// <summary>One reading of <see cref="ProcessProbe"/>.</summary>
public readonly record struct ProcessSample(long RssBytes, long PeakRssBytes, TimeSpan CpuTime)
{
    public double RssMiB => RssBytes / 1024.0 / 1024.0;

    public double PeakRssMiB => PeakRssBytes / 1024.0 / 1024.0;
}
