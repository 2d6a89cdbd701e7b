using System.Globalization;
using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;

namespace KubeCloud.Operator.Quota;

/// <summary>
/// The "has room" check of nova's and cinder's quota engines: for every resource the request asks
/// for, used plus requested must not pass the hard limit. Unset limits are unlimited; a request
/// of zero never fails (a project over its limit after the limit was lowered can still shrink).
/// </summary>
public static class QuotaCheck
{
    /// <summary>Each resource the request would take past its limit; empty when there is room.</summary>
    public static IReadOnlyList<QuotaExcess> Exceeded(QuotaAmounts hard, QuotaUsage used, QuotaUsage requested)
    {
        ArgumentNullException.ThrowIfNull(requested);
        return Compare(hard, used, requested);
    }

    /// <summary>
    /// Each resource already past its limit (a limit lowered under the usage, or objects made before the quota): used
    /// counted against a request of nothing. Such a project may still shrink; it may not grow.
    /// </summary>
    public static IReadOnlyList<QuotaExcess> Over(QuotaAmounts hard, QuotaUsage used) => Compare(hard, used, null);

    private static List<QuotaExcess> Compare(QuotaAmounts hard, QuotaUsage used, QuotaUsage? requested)
    {
        ArgumentNullException.ThrowIfNull(hard);
        ArgumentNullException.ThrowIfNull(used);
        var excess = new List<QuotaExcess>();
        Count("servers", hard.Servers, used.Servers, requested?.Servers, excess);
        Count("vcpus", hard.Vcpus, used.Vcpus, requested?.Vcpus, excess);
        Amount("memory", hard.Memory, used.Memory, requested?.Memory, excess);
        Count("volumes", hard.Volumes, used.Volumes, requested?.Volumes, excess);
        Amount("volumeStorage", hard.VolumeStorage, used.VolumeStorage, requested?.VolumeStorage, excess);
        Count("networks", hard.Networks, used.Networks, requested?.Networks, excess);
        Count("ports", hard.Ports, used.Ports, requested?.Ports, excess);
        Count("serverGroups", hard.ServerGroups, used.ServerGroups, requested?.ServerGroups, excess);
        return excess;
    }

    /// <summary>The check of one server group's member count (nova's server_group_members).</summary>
    public static QuotaExcess? GroupMembers(QuotaAmounts hard, int members, int requested)
    {
        ArgumentNullException.ThrowIfNull(hard);
        var excess = new List<QuotaExcess>(1);
        Count("serverGroupMembers", hard.ServerGroupMembers, members, requested, excess);
        return excess.Count > 0 ? excess[0] : null;
    }

    /// <summary>A count past its limit: with a request, used plus a positive request; without, used alone.</summary>
    private static void Count(string resource, int? limit, int used, int? requested, List<QuotaExcess> excess)
    {
        if (limit is { } hard && (requested is { } asked ? asked > 0 && used + asked > hard : used > hard))
        {
            excess.Add(new QuotaExcess(resource, Text(hard), Text(used), requested is { } r ? Text(r) : null));
        }
    }

    private static void Amount(string resource, Quantity? limit, Quantity used, Quantity? requested, List<QuotaExcess> excess)
    {
        if (limit is { } hard && (requested is { } asked ? asked > Quantity.Zero && used + asked > hard : used > hard))
        {
            excess.Add(new QuotaExcess(resource, hard.ToString(), used.ToString(), requested?.ToString()));
        }
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
