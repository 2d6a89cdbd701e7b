using System.Globalization;
using System.Text;
using KubeCloud.Scheduler.Claims;
using KubeCloud.Scheduler.Hosts;

namespace KubeCloud.Scheduler;

/// <summary>One filter's pass over the hosts: how many went in, how many came out, and a reason it gave.</summary>
public readonly record struct FilterStep(string Filter, int HostsBefore, int HostsAfter, bool Skipped, string? SampleReason)
{
    public int Removed => HostsBefore - HostsAfter;

    /// <summary>nova's log line: "Filter RamFilter returned 3 host(s)".</summary>
    public string LogLine => HostsAfter == 0
        ? $"Filter {Filter} returned 0 hosts"
        : $"Filter {Filter} returned {HostsAfter} host(s)";
}

/// <summary>A host and its total weight.</summary>
public readonly record struct WeighedHost(string Host, double Weight);

/// <summary>
/// The decision for one server and its explanation: the chosen host and the best hosts with their
/// weights, or why there was no valid host (which filter removed how many hosts).
/// </summary>
public sealed class ScheduleResult
{
    /// <summary>Prefix of every no-valid-host fault, as nova words it.</summary>
    public const string NoValidHost = "No valid host was found.";

    /// <summary>The step that leaves a resizing server's current node out (nova's ignore_hosts), reported like a filter.</summary>
    public const string IgnoreHostsStep = "IgnoreHosts";

    internal ScheduleResult(
        string serverKey,
        int hostCount,
        IReadOnlyList<FilterStep> filters,
        HostState? host,
        IReadOnlyList<WeighedHost> topHosts,
        ClaimOutcome? claim,
        int claimAttempts,
        string? failure)
    {
        ServerKey = serverKey;
        HostCount = hostCount;
        Filters = filters;
        Host = host;
        TopHosts = topHosts;
        Claim = claim;
        ClaimAttempts = claimAttempts;
        Failure = failure;
    }

    public string ServerKey { get; }

    /// <summary>True when a host was chosen (and, when scheduling with a ledger, claimed).</summary>
    public bool Succeeded => Host is not null;

    /// <summary>The chosen host's state as it was weighed, or null.</summary>
    public HostState? Host { get; }

    public string? HostName => Host?.Name;

    /// <summary>Hosts before the first filter.</summary>
    public int HostCount { get; }

    /// <summary>The filters that ran, in order, with host counts; the pipeline stops at zero hosts.</summary>
    public IReadOnlyList<FilterStep> Filters { get; }

    /// <summary>The best hosts, best first, with their weights (for debug logs).</summary>
    public IReadOnlyList<WeighedHost> TopHosts { get; }

    /// <summary>The winning claim, when the decision went through the ledger.</summary>
    public ClaimOutcome? Claim { get; }

    /// <summary>How many hosts were tried before a claim held (1 unless races were lost).</summary>
    public int ClaimAttempts { get; }

    /// <summary>Why no host was chosen, after the nova prefix; null on success.</summary>
    public string? Failure { get; }

    /// <summary>
    /// The filter that removed the last host, or null (also when there were no hosts to begin with: then no filter
    /// emptied anything, and a caller must not read "RetryFilter" as "every host was tried").
    /// </summary>
    public string? EmptiedBy
    {
        get
        {
            foreach (var step in Filters)
            {
                if (step.HostsAfter == 0 && step.HostsBefore > 0)
                {
                    return step.Filter;
                }
            }

            return null;
        }
    }

    /// <summary>
    /// A message fit for Server.status.fault: "No valid host was found. There are not enough hosts
    /// available. 10 hosts: ComputeFilter removed 1, RamFilter removed 9."; empty on success.
    /// </summary>
    public string FaultMessage => Succeeded ? string.Empty : $"{NoValidHost} {Failure}";

    /// <summary>The reason each filter gave, for status.fault.details; empty on success.</summary>
    public string FaultDetails
    {
        get
        {
            if (Succeeded)
            {
                return string.Empty;
            }

            var parts = new List<string>();
            foreach (var step in Filters)
            {
                if (step.Removed > 0)
                {
                    parts.Add($"{step.Filter} removed {step.Removed} of {step.HostsBefore} (e.g. {step.SampleReason})");
                }
            }

            return string.Join("; ", parts);
        }
    }

    /// <summary>nova's per-filter log lines ("Filter RamFilter returned 0 hosts"), skipped filters left out.</summary>
    public IEnumerable<string> LogLines()
    {
        foreach (var step in Filters)
        {
            if (!step.Skipped)
            {
                yield return step.LogLine;
            }
        }
    }

    /// <summary>A one-paragraph explanation for logs: chosen host and the best weights, or the fault.</summary>
    public string Explain()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{ServerKey}: ");
        if (!Succeeded)
        {
            text.Append(FaultMessage);
            var details = FaultDetails;
            if (details.Length > 0)
            {
                text.Append(' ').Append(details).Append('.');
            }

            return text.ToString();
        }

        text.Append(CultureInfo.InvariantCulture, $"chose {HostName} of {HostCount} hosts");
        if (ClaimAttempts > 1)
        {
            text.Append(CultureInfo.InvariantCulture, $" after {ClaimAttempts - 1} lost claim(s)");
        }

        text.Append("; top: ");
        for (var i = 0; i < TopHosts.Count; i++)
        {
            text.Append(i == 0 ? string.Empty : ", ").Append(CultureInfo.InvariantCulture, $"{TopHosts[i].Host}={TopHosts[i].Weight:0.####}");
        }

        return text.ToString();
    }

    /// <summary>The explanation.</summary>
    public override string ToString() => Explain();

    /// <summary>
    /// nova's explanation of an empty host list from the filter steps: "There are not enough hosts
    /// available. 10 hosts: ComputeFilter removed 1, RamFilter removed 9." (also used for volume placement).
    /// </summary>
    public static string DescribeNoValidHost(int hostCount, IReadOnlyList<FilterStep> filters)
    {
        if (hostCount == 0)
        {
            return "There are no hosts.";
        }

        var text = new StringBuilder("There are not enough hosts available. ");
        text.Append(CultureInfo.InvariantCulture, $"{hostCount} hosts: ");
        var first = true;
        foreach (var step in filters)
        {
            if (step.Removed <= 0)
            {
                continue;
            }

            text.Append(first ? string.Empty : ", ").Append(CultureInfo.InvariantCulture, $"{step.Filter} removed {step.Removed}");
            first = false;
        }

        return text.Append('.').ToString();
    }
}
