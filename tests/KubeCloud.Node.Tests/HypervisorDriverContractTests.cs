using KubeCloud.Node.Hypervisor;
using KubeCloud.Node.Tests.Fixtures;
using Xunit.Abstractions;

namespace KubeCloud.Node.Tests;

/// <summary>
/// The fake driver must behave as libvirt does, or scale tests built on it prove nothing: one script of lifecycle
/// calls (valid and invalid ones) runs against the real <see cref="LibvirtDriver"/> and the
/// <see cref="FakeHypervisorDriver"/>, and the transcripts (state and reason after each call, libvirt's error
/// code for a refused call, lifecycle events but the racy Shutdown notice) must be equal.
/// </summary>
[Collection(VmCollection.Name)]
public sealed class HypervisorDriverContractTests(VmFixture vm, ITestOutputHelper output)
{
    private static readonly (string Step, Action<IHypervisorDriver, string> Call)[] Script =
    [
        ("start", (d, n) => d.Start(n)),
        ("start again", (d, n) => d.Start(n)),
        ("suspend", (d, n) => d.Suspend(n)),
        ("suspend again", (d, n) => d.Suspend(n)),
        ("resume", (d, n) => d.Resume(n)),
        ("resume again", (d, n) => d.Resume(n)),
        ("reset", (d, n) => d.Reset(n)),
        ("managed save", (d, n) => d.ManagedSave(n)),
        ("has managed save image", (d, n) => _ = d.HasManagedSaveImage(n) ? 0 : throw new InvalidOperationException("no image")),
        ("managed save while off", (d, n) => d.ManagedSave(n)),
        ("start from the saved image", (d, n) => d.Start(n)),
        ("destroy", (d, n) => d.Destroy(n)),
        ("destroy while off", (d, n) => d.Destroy(n)),
        ("reboot while off", (d, n) => d.Reboot(n)),
        ("suspend while off", (d, n) => d.Suspend(n)),
        ("start", (d, n) => d.Start(n)),
        ("undefine while running", (d, n) => d.Undefine(n)),
        ("destroy the transient domain", (d, n) => d.Destroy(n)),
        ("status of a domain that is gone", (d, n) => d.GetStatus(n)),
        ("undefine what is gone", (d, n) => d.Undefine(n)),
    ];

    [Fact]
    public async Task Fake_driver_follows_libvirt_state_machine_errors_and_events()
    {
        var name = "kc-test-contract-" + Guid.NewGuid().ToString("N")[..6];
        var xml = DomainXmlBuilder.Build(vm.GuestSpec(name));
        try
        {
            var real = await RunAsync(vm.Driver, name, xml);
            using var fake = new FakeHypervisorDriver();
            var faked = await RunAsync(fake, name, xml);
            foreach (var line in real.Transcript)
            {
                output.WriteLine("libvirt: " + line);
            }

            output.WriteLine("libvirt events: " + string.Join(", ", real.Events));
            Assert.Equal(real.Transcript, faked.Transcript);
            Assert.Equal(real.Events, faked.Events);
        }
        finally
        {
            vm.RemoveDomain(name);
        }
    }

    private static async Task<(List<string> Transcript, List<string> Events)> RunAsync(IHypervisorDriver driver, string name, string xml)
    {
        using var log = new DomainEventLog(driver, name);
        var transcript = new List<string>();
        driver.Define(xml);
        transcript.Add("define: " + Observe(driver, name));
        foreach (var (step, call) in Script)
        {
            string outcome;
            try
            {
                call(driver, name);
                outcome = "ok";
            }
            catch (LibvirtException e)
            {
                outcome = "error " + e.Code;
            }

            transcript.Add($"{step}: {outcome}, {Observe(driver, name)}");
        }

        // libvirt delivers events on its event loop thread: the last one (Stopped, from destroying the transient
        // domain) marks the end of the stream.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!log.Snapshot().Any(e => e.Type == DomainLifecycleEventType.Stopped && e.Detail == 1 && driver.Find(name) is null) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        await Task.Delay(200); // let any event queued behind the last one arrive, so extras are seen, not missed
        // Shutdown events are left out: libvirt sends "finished shutting down" before Stopped(destroyed) only when QEMU
        // reported its shutdown before it was killed, so a destroy shows it in some runs and not in others (both seen).
        return (transcript, [.. log.Snapshot().Where(e => e.Type != DomainLifecycleEventType.Shutdown).Select(e => $"{e.Type}/{e.Detail}")]);
    }

    private static string Observe(IHypervisorDriver driver, string name) =>
        driver.Find(name) is { } d ? $"{d.Status.State} ({d.Status.ReasonName}), saved image {driver.HasManagedSaveImage(name)}" : "gone";
}
