using System.Globalization;
using System.Text.RegularExpressions;

namespace KubeCloud.ControllerRuntime.Tests;

/// <summary>
/// A strict reader of the Prometheus text format 0.0.4: line grammar, HELP/TYPE before a metric's samples, one TYPE per
/// metric, no duplicate series, histogram buckets cumulative and ending in +Inf equal to _count.
/// </summary>
public static partial class PrometheusTextValidator
{
    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex MetricName();

    [GeneratedRegex("""^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? ([^ ]+)( -?[0-9]+)?$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex("""\G([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\\\|\\"|\\n)*)"(,|$)""")]
    private static partial Regex LabelPair();

    public static (Dictionary<string, string> Types, List<Sample> Samples) Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Assert.True(text.Length == 0 || text.EndsWith('\n'), "the exposition must end with a newline");
        var types = new Dictionary<string, string>();
        var samples = new List<Sample>();
        var seenSeries = new HashSet<string>();
        var metricsWithSamples = new HashSet<string>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                var name = line.Split(' ')[2];
                Assert.Matches(MetricName(), name);
                continue;
            }

            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                Assert.Equal(4, parts.Length);
                Assert.Matches(MetricName(), parts[2]);
                Assert.Contains(parts[3], new[] { "counter", "gauge", "histogram", "summary", "untyped" });
                Assert.False(metricsWithSamples.Contains(parts[2]), $"TYPE of {parts[2]} after its samples");
                Assert.True(types.TryAdd(parts[2], parts[3]), $"second TYPE line for {parts[2]}");
                continue;
            }

            Assert.False(line.StartsWith('#'), $"unknown comment form: {line}");
            var match = SampleLine().Match(line);
            Assert.True(match.Success, $"bad sample line: {line}");
            var sampleName = match.Groups[1].Value;
            var labels = ParseLabels(match.Groups[3].Value, line);
            var value = ParseValue(match.Groups[4].Value);
            var family = FamilyOf(sampleName, types);
            Assert.True(types.ContainsKey(family), $"sample {sampleName} has no TYPE line before it");
            metricsWithSamples.Add(family);
            var seriesKey = sampleName + "{" + string.Join(",", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")) + "}";
            Assert.True(seenSeries.Add(seriesKey), $"duplicate series {seriesKey}");
            samples.Add(new Sample(sampleName, labels, value));
        }

        foreach (var (name, type) in types.Where(t => t.Value == "histogram"))
        {
            CheckHistogram(name, samples);
        }

        return (types, samples);
    }

    private static void CheckHistogram(string name, List<Sample> samples)
    {
        var buckets = samples.Where(s => s.Name == name + "_bucket").ToList();
        foreach (var series in buckets.GroupBy(b => string.Join(",", b.Labels.Where(l => l.Key != "le").OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Key + "=" + l.Value))))
        {
            var ordered = series.Select(b => (Le: ParseValue(b.Labels["le"]), b.Value)).ToList();
            Assert.True(ordered.Select(o => o.Le).SequenceEqual(ordered.Select(o => o.Le).Order()), $"{name}: le values not increasing");
            Assert.Equal(double.PositiveInfinity, ordered[^1].Le);
            for (var i = 1; i < ordered.Count; i++)
            {
                Assert.True(ordered[i].Value >= ordered[i - 1].Value, $"{name}: bucket counts not cumulative");
            }

            var count = samples.Single(s => s.Name == name + "_count" && SameLabels(s, series.First()));
            Assert.Equal(count.Value, ordered[^1].Value);
            Assert.Single(samples, s => s.Name == name + "_sum" && SameLabels(s, series.First()));
        }
    }

    private static bool SameLabels(Sample sample, Sample bucket) =>
        sample.Labels.Count == bucket.Labels.Count - 1 && sample.Labels.All(l => bucket.Labels.TryGetValue(l.Key, out var v) && v == l.Value);

    private static string FamilyOf(string sampleName, Dictionary<string, string> types)
    {
        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (sampleName.EndsWith(suffix, StringComparison.Ordinal) && types.GetValueOrDefault(sampleName[..^suffix.Length]) == "histogram")
            {
                return sampleName[..^suffix.Length];
            }
        }

        return sampleName;
    }

    private static Dictionary<string, string> ParseLabels(string text, string line)
    {
        var labels = new Dictionary<string, string>();
        var position = 0;
        while (position < text.Length)
        {
            var match = LabelPair().Match(text, position);
            Assert.True(match.Success && match.Index == position, $"bad labels in: {line}");
            Assert.True(labels.TryAdd(match.Groups[1].Value, match.Groups[2].Value.Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal)), $"duplicate label in: {line}");
            position = match.Index + match.Length;
        }

        return labels;
    }

    private static double ParseValue(string text) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };
}
