using System.Globalization;

namespace KubeCloud.Operator.Scale.Bench;

/// <summary>
/// Reconciles done, from the runtime's <c>controller_runtime_reconcile_total{controller,result}</c> in a Prometheus
/// text scrape (the operator's <c>/metrics</c>, or <c>RuntimeMetrics.ScrapeAsync</c> in-process), per controller.
/// </summary>
public static class ReconcileCount
{
    private const string Metric = "controller_runtime_reconcile_total{";

    /// <summary>Reconciles per controller, every result summed; <paramref name="exceptController"/> is left out (the node stand-in's, in-process).</summary>
    public static IReadOnlyDictionary<string, double> Parse(string scrape, string? exceptController = null)
    {
        ArgumentNullException.ThrowIfNull(scrape);
        var totals = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in scrape.Split('\n'))
        {
            if (!line.StartsWith(Metric, StringComparison.Ordinal))
            {
                continue;
            }

            var labelsEnd = line.LastIndexOf('}');
            var controller = Label(line.AsSpan(Metric.Length, labelsEnd - Metric.Length), "controller");
            if (controller is null || controller == exceptController)
            {
                continue;
            }

            var value = double.Parse(line.AsSpan(labelsEnd + 1).Trim(), CultureInfo.InvariantCulture);
            totals[controller] = totals.GetValueOrDefault(controller) + value;
        }

        return totals;
    }

    /// <summary>The difference <paramref name="after"/> - <paramref name="before"/>, per controller and in all.</summary>
    public static (double Total, IReadOnlyDictionary<string, double> PerController) Delta(IReadOnlyDictionary<string, double> before, IReadOnlyDictionary<string, double> after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var delta = after.ToDictionary(p => p.Key, p => p.Value - before.GetValueOrDefault(p.Key), StringComparer.Ordinal);
        return (delta.Values.Sum(), delta);
    }

    private static string? Label(ReadOnlySpan<char> labels, string name)
    {
        var text = labels.ToString();
        var key = name + "=\"";
        var start = text.IndexOf(key, StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        start += key.Length;
        var end = text.IndexOf('"', start);
        return end < 0 ? null : text[start..end];
    }
}
