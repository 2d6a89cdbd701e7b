using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace KubeCloud.Kube.Observability;

/// <summary>
/// Collects System.Diagnostics.Metrics instruments with a <see cref="MeterListener"/> and writes them in the Prometheus
/// text exposition format 0.0.4: counters and observable counters as <c>counter</c>; up-down counters, gauges and
/// observable gauges as <c>gauge</c>; histograms with their advised (or Prometheus' default) buckets as
/// <c>histogram</c> (<c>_bucket{le}</c>, <c>_sum</c>, <c>_count</c>). Names and label names are sanitised.
/// Create it at startup: measurements made before it exists are not seen.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private static readonly double[] DefaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, InstrumentState> _instruments = new();

    /// <param name="meterFilter">Which meters to export; default: every meter whose name starts with "KubeCloud".</param>
    public PrometheusExporter(Func<Meter, bool>? meterFilter = null)
    {
        meterFilter ??= meter => meter.Name.StartsWith("KubeCloud", StringComparison.Ordinal);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (meterFilter(instrument.Meter) && KindOf(instrument) is { } kind)
            {
                _instruments.TryAdd(instrument, new InstrumentState(instrument, kind, BucketsOf(instrument)));
                listener.EnableMeasurementEvents(instrument, _instruments[instrument]);
            }
        };
        _listener.MeasurementsCompleted = (instrument, _) => _instruments.TryRemove(instrument, out InstrumentState? _);
        _listener.SetMeasurementEventCallback<long>((i, v, tags, state) => ((InstrumentState)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, state) => ((InstrumentState)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, state) => ((InstrumentState)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<float>((i, v, tags, state) => ((InstrumentState)state!).Record(v, tags));
        _listener.Start();
    }

    /// <summary>The current exposition text.</summary>
    public string Collect()
    {
        _listener.RecordObservableInstruments();
        var text = new StringBuilder();
        foreach (var group in _instruments.Values.GroupBy(s => s.Name).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var first = group.First();
            if (!string.IsNullOrEmpty(first.Instrument.Description))
            {
                text.Append("# HELP ").Append(group.Key).Append(' ').Append(EscapeHelp(first.Instrument.Description)).Append('\n');
            }

            text.Append("# TYPE ").Append(group.Key).Append(' ').Append(first.Kind switch
            {
                MetricKind.Counter => "counter",
                MetricKind.Histogram => "histogram",
                _ => "gauge",
            }).Append('\n');
            foreach (var state in group)
            {
                state.WriteTo(text);
            }
        }

        return text.ToString();
    }

    public void Dispose() => _listener.Dispose();

    /// <summary>A metric name as Prometheus allows: <c>[a-zA-Z_:][a-zA-Z0-9_:]*</c>.</summary>
    public static string SanitizeName(string name) => Sanitize(name, allowColon: true);

    /// <summary>A label name as Prometheus allows: <c>[a-zA-Z_][a-zA-Z0-9_]*</c>.</summary>
    public static string SanitizeLabel(string name) => Sanitize(name, allowColon: false);

    internal static string FormatValue(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        double.NaN => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private static string Sanitize(string name, bool allowColon)
    {
        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            var c = chars[i];
            var ok = char.IsAsciiLetter(c) || c == '_' || (allowColon && c == ':') || (i > 0 && char.IsAsciiDigit(c));
            if (!ok)
            {
                chars[i] = '_';
            }
        }

        var result = new string(chars);
        return result.Length == 0 ? "_" : result;
    }

    private static string EscapeHelp(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string EscapeLabelValue(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static MetricKind? KindOf(Instrument instrument)
    {
        var definition = instrument.GetType().IsGenericType ? instrument.GetType().GetGenericTypeDefinition() : null;
        if (definition == typeof(Counter<>))
        {
            return MetricKind.Counter;
        }

        if (definition == typeof(ObservableCounter<>))
        {
            return MetricKind.ObservedCounter;
        }

        if (definition == typeof(UpDownCounter<>))
        {
            return MetricKind.UpDownCounter;
        }

        if (definition == typeof(Histogram<>))
        {
            return MetricKind.Histogram;
        }

        if (definition == typeof(ObservableGauge<>) || definition == typeof(ObservableUpDownCounter<>) || definition == typeof(Gauge<>))
        {
            return MetricKind.Gauge;
        }

        return null;
    }

    private static double[] BucketsOf(Instrument instrument) => instrument switch
    {
        Histogram<double> { Advice.HistogramBucketBoundaries: { } b } => [.. b],
        Histogram<long> { Advice.HistogramBucketBoundaries: { } b } => [.. b.Select(x => (double)x)],
        Histogram<int> { Advice.HistogramBucketBoundaries: { } b } => [.. b.Select(x => (double)x)],
        _ => DefaultBuckets,
    };

    private enum MetricKind
    {
        Counter,
        ObservedCounter,
        UpDownCounter,
        Gauge,
        Histogram,
    }

    private sealed class InstrumentState(Instrument instrument, MetricKind kind, double[] buckets)
    {
        private readonly ConcurrentDictionary<string, Series> _series = new(StringComparer.Ordinal);

        public Instrument Instrument { get; } = instrument;

        public MetricKind Kind { get; } = kind is MetricKind.ObservedCounter ? MetricKind.Counter : kind;

        public string Name { get; } = SanitizeName(instrument.Name);

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var series = _series.GetOrAdd(Labels(tags), _ => new Series(buckets.Length));
            lock (series)
            {
                switch (kind)
                {
                    case MetricKind.Counter:
                    case MetricKind.UpDownCounter:
                        series.Value += value;
                        break;
                    case MetricKind.ObservedCounter:
                    case MetricKind.Gauge:
                        series.Value = value;
                        break;
                    case MetricKind.Histogram:
                        series.Value += value;
                        series.Count++;
                        var index = Array.FindIndex(buckets, b => value <= b);
                        if (index >= 0)
                        {
                            series.Buckets[index]++;
                        }

                        break;
                }
            }
        }

        public void WriteTo(StringBuilder text)
        {
            foreach (var (labels, series) in _series.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                lock (series)
                {
                    if (Kind != MetricKind.Histogram)
                    {
                        text.Append(Name).Append(Wrap(labels)).Append(' ').Append(FormatValue(series.Value)).Append('\n');
                        continue;
                    }

                    long cumulative = 0;
                    for (var i = 0; i < buckets.Length; i++)
                    {
                        cumulative += series.Buckets[i];
                        text.Append(Name).Append("_bucket").Append(Wrap(Join(labels, $"le=\"{FormatValue(buckets[i])}\""))).Append(' ').Append(cumulative.ToString(CultureInfo.InvariantCulture)).Append('\n');
                    }

                    text.Append(Name).Append("_bucket").Append(Wrap(Join(labels, "le=\"+Inf\""))).Append(' ').Append(series.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
                    text.Append(Name).Append("_sum").Append(Wrap(labels)).Append(' ').Append(FormatValue(series.Value)).Append('\n');
                    text.Append(Name).Append("_count").Append(Wrap(labels)).Append(' ').Append(series.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
                }
            }
        }

        private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (tags.Length == 0)
            {
                return "";
            }

            var pairs = new List<string>(tags.Length);
            foreach (var tag in tags)
            {
                pairs.Add($"{SanitizeLabel(tag.Key)}=\"{EscapeLabelValue(Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? "")}\"");
            }

            pairs.Sort(StringComparer.Ordinal);
            return string.Join(',', pairs);
        }

        private static string Join(string labels, string extra) => labels.Length == 0 ? extra : labels + "," + extra;

        private static string Wrap(string labels) => labels.Length == 0 ? "" : "{" + labels + "}";
    }

    private sealed class Series(int buckets)
    {
        public double Value { get; set; }

        public long Count { get; set; }

        public long[] Buckets { get; } = new long[buckets];
    }
}
