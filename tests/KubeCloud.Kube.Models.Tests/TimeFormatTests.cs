namespace KubeCloud.Kube.Models.Tests;

public class TimeFormatTests
{
    [Fact]
    public void Time_is_written_in_utc_with_second_precision()
    {
        var condition = new V1Condition
        {
            Type = "Ready",
            Status = "True",
            LastTransitionTime = new DateTimeOffset(2026, 11, 21, 21, 30, 0, 789, TimeSpan.FromHours(2)),
        };

        Assert.Contains("\"lastTransitionTime\":\"2026-11-21T19:30:00Z\"", KubeJson.Serialize(condition), StringComparison.Ordinal);
    }

    [Fact]
    public void MicroTime_is_written_with_six_fractional_digits()
    {
        var spec = new V1LeaseSpec { RenewTime = new DateTimeOffset(2026, 11, 21, 19, 30, 0, TimeSpan.Zero).AddTicks(1_234_560) };

        Assert.Contains("\"renewTime\":\"2026-11-21T19:30:00.123456Z\"", KubeJson.Serialize(spec), StringComparison.Ordinal);
    }

    [Fact]
    public void MicroTime_reads_microseconds()
    {
        var lease = KubeJson.Deserialize<V1Lease>(Fixture.Read("lease.json"))!;

        Assert.Equal(new DateTimeOffset(2026, 11, 21, 19, 30, 10, TimeSpan.Zero).AddTicks(10), lease.Spec!.RenewTime);
    }

    [Theory]
    [InlineData("2026-11-21T19:30:00Z")]
    [InlineData("2026-11-21T20:30:00+01:00")]
    [InlineData("2026-11-21T19:30:00.000Z")]
    public void Time_reads_any_rfc3339_form(string text)
    {
        var meta = KubeJson.Deserialize<V1ObjectMeta>($$"""{"creationTimestamp":"{{text}}"}""")!;

        Assert.Equal(new DateTimeOffset(2026, 11, 21, 19, 30, 0, TimeSpan.Zero), meta.CreationTimestamp);
    }

    [Fact]
    public void Time_as_a_root_value_uses_the_kubernetes_format()
    {
        Assert.Equal("\"2026-11-21T19:30:00Z\"", KubeJson.Serialize(new DateTimeOffset(2026, 11, 21, 19, 30, 0, 5, TimeSpan.Zero)));
    }
}
