using KubeCloud.Scheduler.Weighers;

namespace KubeCloud.Scheduler.Tests.Weighers;

public sealed class WeightNormalisationTests
{
    [Theory]
    [InlineData("spread: min 0, max 1", new double[] { 10, 20, 30 }, 1.0, new double[] { 0, 0.5, 1 })]
    [InlineData("multiplier scales", new double[] { 10, 20, 30 }, 2.0, new double[] { 0, 1, 2 })]
    [InlineData("negative multiplier stacks", new double[] { 10, 20, 30 }, -1.0, new double[] { 0, -0.5, -1 })]
    [InlineData("all equal adds nothing", new double[] { 7, 7, 7 }, 1.0, new double[] { 0, 0, 0 })]
    [InlineData("negative raw values", new double[] { -5, 5 }, 1.0, new double[] { 0, 1 })]
    public void Adds_the_normalised_weight_times_the_multiplier(string name, double[] raw, double multiplier, double[] expected)
    {
        Assert.NotNull(name);
        var weights = new double[raw.Length];
        weights.AsSpan().Fill(0.25);
        WeightNormalisation.Accumulate(raw, multiplier, weights);
        Assert.Equal(expected.Select(e => e + 0.25), weights);
    }
}
