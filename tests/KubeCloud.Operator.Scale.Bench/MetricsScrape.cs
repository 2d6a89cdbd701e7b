using System.Globalization;

namespace KubeCloud.Operator.Scale.Bench;

/// <summary>
/// One Prometheus text scrape of the operator (its <c>/metrics</c>, or <c>RuntimeMetrics.ScrapeAsync</c> in-process),
/// as samples keyed by name and labels, and the runtime's figures the bench prints: reconciles, reconcile time and
/// queue wait per controller (<c>controller_runtime_*</c>, <c>workqueue_*</c>), API requests by verb and code
/// (<c>rest_client_requests_total</c>). Differences of two scrapes give a wave's share.
/// </summary>
public sealed class MetricsScrape
{
    private readonly List<(string Name, Dictionary<string, string> Labels, double Value)> _samples = [];

    private MetricsScrape()
    {
    }

    public static MetricsScrape Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var scrape = new MetricsScrape();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var brace = line.IndexOf('{', StringComparison.Ordinal);
            var space = line.LastIndexOf(' ');
            if (space < 0)
            {
                continue;
            }

            var name = brace >= 0 && brace < space ? line[..brace] : line[..space];
            var labels = brace >= 0 && brace < space ? Labels(line[(brace + 1)..line.LastIndexOf('}')]) : [];
            if (double.TryParse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                scrape._samples.Add((name, labels, value));
            }
        }

        return scrape;
    }

    /// <summary>The sum of <paramref name="name"/> over the series whose <paramref name="label"/> is each value, per value.</summary>
    public IReadOnlyDictionary<string, double> SumBy(string name, string label) =>
        _samples.Where(s => s.Name == name && s.Labels.ContainsKey(label))
            .GroupBy(s => s.Labels[label], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(s => s.Value), StringComparer.Ordinal);

    /// <summary>What happened between <paramref name="before"/> and <paramref name="after"/>, per controller and API verb.</summary>
    public static RuntimeFigures Between(MetricsScrape before, MetricsScrape after, string? exceptController = null)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        IReadOnlyDictionary<string, double> Delta(string name, string label) =>
            after.SumBy(name, label).Select(p => (p.Key, Value: p.Value - before.SumBy(name, label).GetValueOrDefault(p.Key)))
                .Where(p => p.Value > 0 && p.Key != exceptController)
                .ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

        var reconciles = Delta("controller_runtime_reconcile_total", "controller");
        var reconcileSeconds = Delta("controller_runtime_reconcile_time_seconds_sum", "controller");
        var errors = Delta("controller_runtime_reconcile_errors_total", "controller");
        var queued = Delta("workqueue_queue_duration_seconds_count", "name");
        var queueSeconds = Delta("workqueue_queue_duration_seconds_sum", "name");
        var requests = Delta("rest_client_requests_total", "method");
        var codes = Delta("rest_client_requests_total", "code");
        var controllers = reconciles.Keys.Select(c => new ControllerFigures(
            c,
            reconciles[c],
            errors.GetValueOrDefault(c),
            reconcileSeconds.GetValueOrDefault(c) / reconciles[c],
            queued.GetValueOrDefault(c) > 0 ? queueSeconds.GetValueOrDefault(c) / queued[c] : 0)).OrderByDescending(c => c.Reconciles).ToList();
        return new RuntimeFigures(controllers, requests, codes);
    }

    private static Dictionary<string, string> Labels(string text)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var i = 0;
        while (i < text.Length)
        {
            var equals = text.IndexOf('=', i);
            if (equals < 0 || equals + 1 >= text.Length || text[equals + 1] != '"')
            {
                break;
            }

            var end = text.IndexOf('"', equals + 2);
            while (end > 0 && text[end - 1] == '\\')
            {
                end = text.IndexOf('"', end + 1);
            }

            if (end < 0)
            {
                break;
            }

            labels[text[i..equals].Trim(' ', ',')] = text[(equals + 2)..end];
            i = end + 1;
        }

        return labels;
    }
}

/// <summary>One controller's share of a wave: reconciles, errors, mean reconcile time and mean wait in its queue.</summary>
public sealed record ControllerFigures(string Controller, double Reconciles, double Errors, double MeanReconcileSeconds, double MeanQueueSeconds);

/// <summary>The runtime's figures for a wave: per controller, and the operator's API requests by verb and by code.</summary>
public sealed record RuntimeFigures(IReadOnlyList<ControllerFigures> Controllers, IReadOnlyDictionary<string, double> RequestsByVerb, IReadOnlyDictionary<string, double> RequestsByCode)
{
    public double Reconciles => Controllers.Sum(c => c.Reconciles);
}
