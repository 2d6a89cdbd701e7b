using KubeCloud.Api.V1Alpha1;

namespace KubeCloud.Api.Tests;

public class ConditionsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 12, 0, 0, 500, TimeSpan.Zero);

    [Fact]
    public void LastTransitionTime_moves_only_when_the_status_changes()
    {
        var status = new ServerStatus();
        Assert.True(Conditions.Set(status, "Ready", ConditionStatus.False, "Scheduling", "waiting for a host", 1, T0));
        var ready = Conditions.Find(status, "Ready")!;
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero), ready.LastTransitionTime);
        Assert.Equal(1, status.ObservedGeneration);

        Assert.False(Conditions.Set(status, "Ready", ConditionStatus.False, "Scheduling", "waiting for a host", 1, T0.AddMinutes(1)));
        Assert.True(Conditions.Set(status, "Ready", ConditionStatus.False, "Building", "spawning", 2, T0.AddMinutes(2)));
        Assert.Equal(T0.AddMilliseconds(-500), ready.LastTransitionTime);
        Assert.Equal("Building", ready.Reason);
        Assert.Equal(2, ready.ObservedGeneration);
        Assert.Equal(2, status.ObservedGeneration);

        Assert.True(Conditions.Set(status, "Ready", ConditionStatus.True, "Active", null, 2, T0.AddMinutes(3)));
        Assert.Equal(T0.AddMinutes(3).AddMilliseconds(-500), ready.LastTransitionTime);
        Assert.True(Conditions.IsTrueFor(status, "Ready", 2));
        Assert.False(Conditions.IsTrueFor(status, "Ready", 3));
        Assert.Single(status.Conditions!);

        Conditions.Set(status, "Scheduled", ConditionStatus.True, "Scheduled", "node-1", 2, T0);
        Assert.Equal(2, status.Conditions!.Count);
        Assert.True(Conditions.Remove(status, "Scheduled"));
        Assert.False(Conditions.Remove(status, "Scheduled"));
    }
}
