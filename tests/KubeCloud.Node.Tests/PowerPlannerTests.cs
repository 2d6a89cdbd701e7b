using KubeCloud.Api.V1Alpha1;
using KubeCloud.Node.Compute;
using KubeCloud.Node.Hypervisor;

namespace KubeCloud.Node.Tests;

public sealed class PowerPlannerTests
{
    private static readonly DomainStatus Booted = new(DomainState.Running, 1);
    private static readonly DomainStatus PausedByUser = new(DomainState.Paused, 1);
    private static readonly DomainStatus Destroyed = new(DomainState.Shutoff, 2);
    private static readonly DomainStatus Saved = new(DomainState.Shutoff, 5);
    private static readonly DomainStatus Defined = new(DomainState.Shutoff, 0);

    public static TheoryData<string, DomainStatus, bool, DesiredPowerState, PowerAction> Cases => new()
    {
        { "new domain, Running: boot", Defined, false, DesiredPowerState.Running, PowerAction.Start },
        { "running, Running: nothing", Booted, false, DesiredPowerState.Running, PowerAction.None },
        { "paused, Running: resume", PausedByUser, false, DesiredPowerState.Running, PowerAction.Resume },
        { "suspended, Running: restore", Saved, true, DesiredPowerState.Running, PowerAction.Start },
        { "running, Stopped: ACPI power-off", Booted, false, DesiredPowerState.Stopped, PowerAction.Shutdown },
        { "paused, Stopped: resume first, a halted guest hears no ACPI", PausedByUser, false, DesiredPowerState.Stopped, PowerAction.Resume },
        { "off, Stopped: nothing", Destroyed, false, DesiredPowerState.Stopped, PowerAction.None },
        { "suspended, Stopped: restore first, then a clean power-off", Saved, true, DesiredPowerState.Stopped, PowerAction.Start },
        { "running, Paused: pause", Booted, false, DesiredPowerState.Paused, PowerAction.Pause },
        { "off, Paused: boot first", Destroyed, false, DesiredPowerState.Paused, PowerAction.Start },
        { "paused, Paused: nothing", PausedByUser, false, DesiredPowerState.Paused, PowerAction.None },
        { "running, Suspended: managed save", Booted, false, DesiredPowerState.Suspended, PowerAction.Suspend },
        { "paused, Suspended: managed save", PausedByUser, false, DesiredPowerState.Suspended, PowerAction.Suspend },
        { "suspended, Suspended: nothing", Saved, true, DesiredPowerState.Suspended, PowerAction.None },
        { "off, Suspended: nothing to save, stays off", Destroyed, false, DesiredPowerState.Suspended, PowerAction.None },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Next_action(string name, DomainStatus status, bool saved, DesiredPowerState desired, PowerAction expected)
    {
        Assert.False(string.IsNullOrEmpty(name));
        Assert.Equal(expected, PowerPlanner.Next(status, saved, desired));
    }

    [Theory]
    [InlineData(DomainState.Running, false, ObservedPowerState.Running)]
    [InlineData(DomainState.Paused, false, ObservedPowerState.Paused)]
    [InlineData(DomainState.Shutoff, false, ObservedPowerState.Shutoff)]
    [InlineData(DomainState.Shutoff, true, ObservedPowerState.Suspended)]
    [InlineData(DomainState.Crashed, false, ObservedPowerState.Crashed)]
    public void Observed_power_state_shows_a_managed_save_as_suspended(DomainState state, bool saved, ObservedPowerState expected)
        => Assert.Equal(expected, PowerPlanner.Observe(new DomainStatus(state, 0), saved));

    /// <summary>Following the plan from any state reaches the desired one (with an ideal guest), in at most two steps.</summary>
    [Theory]
    [InlineData(DesiredPowerState.Running, ObservedPowerState.Running)]
    [InlineData(DesiredPowerState.Stopped, ObservedPowerState.Shutoff)]
    [InlineData(DesiredPowerState.Paused, ObservedPowerState.Paused)]
    [InlineData(DesiredPowerState.Suspended, ObservedPowerState.Suspended)]
    public async Task Plans_converge_on_the_fake_driver_from_every_start_state(DesiredPowerState desired, ObservedPowerState expected)
    {
        foreach (var start in new[] { DesiredPowerState.Running, DesiredPowerState.Stopped, DesiredPowerState.Paused, DesiredPowerState.Suspended })
        {
            using var driver = new FakeHypervisorDriver();
            driver.Define("<domain type='qemu'><name>vm</name><memory unit='MiB'>64</memory></domain>");
            driver.Start("vm");
            await FollowAsync(driver, start);
            var steps = await FollowAsync(driver, desired);
            Assert.True(steps <= 2, $"{start} -> {desired} took {steps} steps");
            var observed = PowerPlanner.Observe(driver.GetStatus("vm"), driver.HasManagedSaveImage("vm"));
            Assert.True(expected == observed || (desired == DesiredPowerState.Suspended && start == DesiredPowerState.Stopped && observed == ObservedPowerState.Shutoff),
                $"{start} -> {desired} ended {observed}");
        }
    }

    private static async Task<int> FollowAsync(FakeHypervisorDriver driver, DesiredPowerState desired)
    {
        for (var steps = 0; steps < 5; steps++)
        {
            var action = PowerPlanner.Next(driver.GetStatus("vm"), driver.HasManagedSaveImage("vm"), desired);
            switch (action)
            {
                case PowerAction.None: return steps;
                case PowerAction.Start: driver.Start("vm"); break;
                case PowerAction.Resume: driver.Resume("vm"); break;
                case PowerAction.Pause: driver.Suspend("vm"); break;
                case PowerAction.Shutdown: await driver.ShutdownAsync("vm", TimeSpan.FromSeconds(1)); break;
                case PowerAction.Suspend: driver.ManagedSave("vm"); break;
            }
        }

        throw new InvalidOperationException($"no convergence towards {desired}");
    }
}

public sealed class SuspendSpaceTests
{
    [Fact]
    public void Refuses_when_the_guest_memory_does_not_fit_and_counts_saves_in_progress()
    {
        var space = new SuspendSpace("/var/lib/libvirt/qemu/save", _ => 1200L << 20);
        using var first = space.TryReserve(512L << 20, out var refusal);
        Assert.NotNull(first);
        Assert.Null(refusal);

        Assert.Null(space.TryReserve(1024L << 20, out refusal));
        Assert.Equal("suspending needs 1088 MiB free in /var/lib/libvirt/qemu/save for the guest's memory, and 624 MiB are free (576 MiB held by saves in progress)", refusal);

        first!.Dispose();
        first.Dispose(); // twice is harmless
        using var second = space.TryReserve(1024L << 20, out refusal);
        Assert.NotNull(second);
    }

    [Fact]
    public void Reads_the_file_system_of_the_save_directory()
    {
        var dir = Path.Combine(Path.GetTempPath(), "kc-suspend-" + Guid.NewGuid().ToString("N")[..6]);
        try
        {
            var space = new SuspendSpace(dir);
            Assert.Null(space.TryReserve(long.MaxValue / 2, out var refusal));
            Assert.Contains($"free in {dir}", refusal);
            using var small = space.TryReserve(1 << 20, out _);
            Assert.NotNull(small);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
