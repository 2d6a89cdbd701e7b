using KubeCloud.ControllerRuntime.Events;

namespace KubeCloud.ControllerRuntime.Tests;

public class EventCorrelatorTests
{
    private static EventKey Key(string note = "no valid host: RamFilter removed 3 hosts", string obj = "uid-1") =>
        new(obj, EventTypes.Warning, "NoValidHost", "Schedule", note, "kubecloud.io/operator");

    [Fact]
    public void The_same_event_within_ten_minutes_becomes_a_series()
    {
        var time = new ManualTimeProvider();
        var correlator = new EventCorrelator(time);
        Assert.Equal(EventDecisionKind.Create, correlator.Correlate(Key()).Kind);
        correlator.Created(Key(), "web.1");

        time.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal(new EventDecision(EventDecisionKind.IncrementSeries, "web.1", 2), correlator.Correlate(Key()));
        time.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal(new EventDecision(EventDecisionKind.IncrementSeries, "web.1", 3), correlator.Correlate(Key()));

        Assert.Equal(EventDecisionKind.Create, correlator.Correlate(Key(note: "another message")).Kind);

        time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(EventDecisionKind.Create, correlator.Correlate(Key()).Kind);
    }

    [Fact]
    public void Each_object_gets_a_burst_of_25_then_one_event_per_five_minutes()
    {
        var time = new ManualTimeProvider();
        var correlator = new EventCorrelator(time);
        for (var i = 0; i < 25; i++)
        {
            Assert.NotEqual(EventDecisionKind.Drop, correlator.Correlate(Key(note: $"n{i}")).Kind);
        }

        Assert.Equal(EventDecisionKind.Drop, correlator.Correlate(Key(note: "n25")).Kind);
        Assert.NotEqual(EventDecisionKind.Drop, correlator.Correlate(Key(obj: "uid-2")).Kind);

        time.Advance(TimeSpan.FromMinutes(5));
        Assert.NotEqual(EventDecisionKind.Drop, correlator.Correlate(Key(note: "n26")).Kind);
        Assert.Equal(EventDecisionKind.Drop, correlator.Correlate(Key(note: "n27")).Kind);
    }
}
