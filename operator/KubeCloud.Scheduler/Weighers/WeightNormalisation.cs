namespace KubeCloud.Scheduler.Weighers;

/// <summary>
/// nova's (and cinder's) weight normalisation (<c>nova/weights.py</c>, <c>normalize</c>): a
/// weigher's raw values scaled to 0..1 by their minimum and maximum (all equal gives 0 everywhere),
/// then multiplied by the weigher's multiplier and added to the hosts' total weights.
/// </summary>
public static class WeightNormalisation
{
    /// <summary>Adds <c>(raw[i] - min) / (max - min) * multiplier</c> to <paramref name="weights"/>[i]; nothing when every raw value is equal.</summary>
    public static void Accumulate(ReadOnlySpan<double> raw, double multiplier, Span<double> weights)
    {
        if (!TryRange(raw, out var min, out var range))
        {
            return;
        }

        var scale = multiplier / range;
        for (var i = 0; i < raw.Length; i++)
        {
            weights[i] += (raw[i] - min) * scale;
        }
    }

    /// <summary>The minimum and the spread of <paramref name="raw"/>; false when they are all equal (or there are none).</summary>
    public static bool TryRange(ReadOnlySpan<double> raw, out double min, out double range)
    {
        min = double.PositiveInfinity;
        var max = double.NegativeInfinity;
        foreach (var value in raw)
        {
            min = Math.Min(min, value);
            max = Math.Max(max, value);
        }

        range = max - min;
        return max > min;
    }
}
