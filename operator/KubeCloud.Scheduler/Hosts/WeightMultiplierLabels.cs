using System.Globalization;
using System.Text.RegularExpressions;

namespace KubeCloud.Scheduler.Hosts;

/// <summary>
/// Per-aggregate weigher multipliers (nova's <c>*_weight_multiplier</c> aggregate metadata), read from
/// node labels, which are KubeCloud's aggregates. The label of nova's key <c>ram_weight_multiplier</c>
/// is <c>kubecloud.io/ram-weight-multiplier</c>; a node in several aggregates carries one label per
/// aggregate, each with its own suffix (<c>kubecloud.io/ram-weight-multiplier.gpu-pool</c>), and, as
/// nova does, the smallest value wins. Hosts without the label use the scheduler configuration's value.
/// </summary>
/// <remarks>
/// Values are decimal numbers (<c>2</c>, <c>0.5</c>). The same keys are read from the Hypervisor's
/// annotations, whose values Kubernetes does not restrict, so <c>-1.0</c> is written there as it is; a
/// label value must start with a letter or digit, so in a label a negative number is written
/// <c>neg1.0</c> for -1.0. Labels and annotations together are one set: the smallest value wins. A value that is not such a number (or names no known multiplier) is
/// ignored with a warning; as in nova (validate_num_values raising ValueError), one bad value makes the
/// host fall back to the configured multiplier for that weigher.
/// </remarks>
public static partial class WeightMultiplierLabels
{
    /// <summary>The prefix of every multiplier label.</summary>
    public const string Prefix = "kubecloud.io/";

    /// <summary>What a multiplier label's name ends with (before an optional ".aggregate" suffix).</summary>
    public const string Suffix = "-weight-multiplier";

    /// <summary>nova's aggregate metadata keys that KubeCloud reads, one per weigher.</summary>
    public static IReadOnlyList<string> Keys { get; } =
    [
        "ram_weight_multiplier", "cpu_weight_multiplier", "disk_weight_multiplier", "io_ops_weight_multiplier",
        "num_instances_weight_multiplier", "soft_affinity_weight_multiplier", "soft_anti_affinity_weight_multiplier",
    ];

    private static readonly IReadOnlyDictionary<string, double> None = new Dictionary<string, double>();

    /// <summary>The label of a nova key: <c>ram_weight_multiplier</c> is <c>kubecloud.io/ram-weight-multiplier</c>.</summary>
    public static string LabelOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Prefix + key.Replace('_', '-');
    }

    /// <summary>
    /// The multipliers a host's labels set, by nova key (only the keys set); each problem is added to
    /// <paramref name="warnings"/> as a sentence naming the host, label and value.
    /// </summary>
    public static IReadOnlyDictionary<string, double> Read(string host, IEnumerable<KeyValuePair<string, string>> labels, ICollection<string>? warnings)
    {
        ArgumentNullException.ThrowIfNull(labels);
        Dictionary<string, double>? values = null;
        HashSet<string>? bad = null;
        foreach (var (label, text) in labels)
        {
            var end = label.IndexOf(Suffix, StringComparison.Ordinal);
            if (end < 0 || !label.StartsWith(Prefix, StringComparison.Ordinal))
            {
                continue;
            }

            var after = end + Suffix.Length;
            if (after < label.Length && label[after] != '.')
            {
                continue;
            }

            var key = label[Prefix.Length..end].Replace('-', '_') + "_weight_multiplier";
            if (!Keys.Contains(key))
            {
                warnings?.Add($"host {host}: label {label} names no weigher multiplier (known: {string.Join(", ", Keys.Select(LabelOf))}); ignored");
                continue;
            }

            if (!TryParse(text, out var value))
            {
                warnings?.Add($"host {host}: label {label}=\"{text}\" is not a number (write e.g. 2, 0.5, or neg1.0 for -1.0); using the configured {key} for this host, as nova does");
                (bad ??= new HashSet<string>(StringComparer.Ordinal)).Add(key);
                continue;
            }

            values ??= new Dictionary<string, double>(StringComparer.Ordinal);
            values[key] = values.TryGetValue(key, out var seen) ? Math.Min(seen, value) : value;
        }

        if (bad is not null && values is not null)
        {
            foreach (var key in bad)
            {
                values.Remove(key);
            }
        }

        return values is { Count: > 0 } ? values : None;
    }

    /// <summary>Reads a label value as a multiplier: a decimal number, negative with "neg" or "-".</summary>
    public static bool TryParse(string? text, out double value)
    {
        value = 0;
        if (text is null || !Number().IsMatch(text))
        {
            return false;
        }

        var negative = text.StartsWith("neg", StringComparison.Ordinal) || text.StartsWith('-');
        var digits = text.StartsWith("neg", StringComparison.Ordinal) ? text[3..] : text.TrimStart('-', '+');
        value = double.Parse(digits, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        if (negative)
        {
            value = -value;
        }

        return true;
    }

    [GeneratedRegex(@"^(neg|-|\+)?[0-9]{1,9}(\.[0-9]{1,9})?$", RegexOptions.CultureInvariant)]
    private static partial Regex Number();
}
