using System.Diagnostics;
using KubeCloud.Node.Hypervisor;
using KubeCloud.Node.Tests.Fixtures;
using Xunit.Abstractions;

namespace KubeCloud.Node.Tests;

[Collection(VmCollection.Name)]
public sealed class GuestBootTests(VmFixture vm, ITestOutputHelper output)
{
    [Fact]
    public async Task Kernel_only_guest_boots_and_powers_off()
    {
        output.WriteLine($"guest kernel {vm.Guest.KernelVersion}, built in {vm.Guest.BuildTime.TotalSeconds:0.0} s (cached: {vm.Guest.FromCache}); hypervisor {vm.Probe.Type}: {vm.Probe.Reason}");
        var spec = vm.GuestSpec("kc-test-boot-" + Guid.NewGuid().ToString("N")[..6], "kc.poweroff");
        var log = new SerialLog(spec.SerialLogPath);
        try
        {
            var watch = Stopwatch.StartNew();
            vm.Driver.Define(DomainXmlBuilder.Build(spec));
            vm.Driver.Start(spec.Name);
            await log.WaitForAsync("KC-BOOT", TimeSpan.FromSeconds(60));
            output.WriteLine($"define to first guest output: {watch.Elapsed.TotalSeconds:0.00} s");
            await log.WaitForAsync("KC-POWEROFF", TimeSpan.FromSeconds(60));
            output.WriteLine(log.Text);
        }
        finally
        {
            vm.RemoveDomain(spec.Name);
        }
    }

    [Fact]
    public async Task A_shutdown_requested_while_the_guest_still_boots_is_repeated_until_it_powers_off_cleanly()
    {
        // The guest's init starts listening for the ACPI power button seconds after it prints KC-BOOT; a single press
        // sent now is lost, so only the driver's repeated request (nova's retry interval) can end this gracefully.
        var spec = vm.GuestSpec("kc-test-early-off-" + Guid.NewGuid().ToString("N")[..6]);
        var log = new SerialLog(spec.SerialLogPath);
        try
        {
            vm.Driver.Define(DomainXmlBuilder.Build(spec));
            vm.Driver.Start(spec.Name);
            await log.WaitForAsync("KC-BOOT", TimeSpan.FromSeconds(60));
            var watch = Stopwatch.StartNew();
            var outcome = await vm.Driver.ShutdownAsync(spec.Name, TimeSpan.FromSeconds(180));
            output.WriteLine($"shutdown requested at KC-BOOT: {outcome} after {watch.Elapsed.TotalSeconds:0.0} s");
            Assert.Equal(ShutdownOutcome.Graceful, outcome);
            Assert.Contains("KC-POWER-BUTTON", log.Text, StringComparison.Ordinal);
            Assert.Equal(DomainState.Shutoff, vm.Driver.GetStatus(spec.Name).State);
        }
        finally
        {
            vm.RemoveDomain(spec.Name);
        }
    }
}
