using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using KubeCloud.Node.CloudInit;
using KubeCloud.Node.Hypervisor;
using KubeCloud.Node.Images;
using KubeCloud.Node.Tests.Fixtures;
using Xunit.Abstractions;

namespace KubeCloud.Node.Tests;

[Collection(VmCollection.Name)]
public sealed class ServerLifecycleTests(VmFixture vm, ITestOutputHelper output)
{
    [Fact]
    public async Task Server_from_http_image_boots_and_survives_pause_hibernate_reboot_and_shutdown()
    {
        var name = "kc-test-life-" + Guid.NewGuid().ToString("N")[..6];
        var dir = Path.Combine(vm.WorkDir, name);
        Directory.CreateDirectory(dir);
        var cacheRoot = Path.Combine(dir, "cache");

        // A 32 MiB raw disk image whose first bytes are a marker, served over HTTP on loopback.
        var marker = "KCIMAGE-" + Guid.NewGuid().ToString("N")[..10];
        var imageFile = Path.Combine(dir, "image.raw");
        var content = new byte[32 << 20];
        RandomNumberGenerator.Fill(content);
        Encoding.ASCII.GetBytes(marker + "\n").CopyTo(content, 0);
        await File.WriteAllBytesAsync(imageFile, content);
        var sha = Convert.ToHexStringLower(SHA256.HashData(content));
        using var server = new LoopbackFileServer();
        var url = server.Add("disk.raw", imageFile);

        using var http = new HttpClient();
        var cache = new ImageCache(cacheRoot, http, new QemuImg(vm.Run));
        var image = await cache.EnsureAsync(new ImageSource(url, sha, "raw"));
        var stats = image.Fetch!;
        output.WriteLine($"image: {stats.DownloadedBytes / 1e6:0.0} MB downloaded at {stats.DownloadedBytes / 1e6 / stats.DownloadTime.TotalSeconds:0} MB/s; " +
                         $"{stats.SourceFormat}->qcow2 conversion at {stats.ConvertedBytes / 1e6 / stats.ConvertTime.TotalSeconds:0} MB/s");
        Assert.Equal("qcow2", image.Format);
        Assert.Null((await cache.EnsureAsync(new ImageSource(url, sha, "raw"))).Fetch); // second time: cached

        var overlay = Path.Combine(dir, "disk.qcow2");
        await cache.CreateOverlayAsync(image, overlay, 64L << 20, owner: name);
        var seed = Path.Combine(dir, "seed.iso");
        await new NoCloudSeedBuilder(vm.Run).BuildAsync(new NoCloudSeed { InstanceId = name, Hostname = "lifecycle-guest" }, seed);

        var spec = vm.GuestSpec(name) with { RootDiskPath = overlay, SeedIsoPath = seed };
        var log = new SerialLog(spec.SerialLogPath);
        var events = new DomainEventLog(vm.Driver, name);
        try
        {
            var watch = Stopwatch.StartNew();
            vm.Driver.Define(DomainXmlBuilder.Build(spec));
            vm.Driver.Start(name);
            await log.WaitForAsync("KC-BOOT", TimeSpan.FromSeconds(60));
            output.WriteLine($"define to first guest console output ({vm.Probe.Type}): {watch.Elapsed.TotalSeconds:0.00} s");
            await log.WaitForAsync("KC-READY", TimeSpan.FromSeconds(60));
            output.WriteLine($"define to guest ready: {watch.Elapsed.TotalSeconds:0.00} s");
            Assert.Contains("KC-HOSTNAME lifecycle-guest", log.Text);
            Assert.Contains($"KC-INSTANCE-ID {name}", log.Text);
            Assert.Contains($"KC-BLOCK vda {64L << 20} {marker}", log.Text);
            Assert.Equal(DomainState.Running, vm.Driver.GetStatus(name).State);

            // pause / resume: ticks stop, then go on.
            await log.WaitForAsync(@"KC-TICK 2\b", TimeSpan.FromSeconds(30));
            vm.Driver.Suspend(name);
            Assert.Equal(new DomainStatus(DomainState.Paused, 1), vm.Driver.GetStatus(name));
            var pausedAt = LastTick(log.Text);
            await Task.Delay(2500);
            Assert.Equal(pausedAt, LastTick(log.Text));
            vm.Driver.Resume(name);
            await log.WaitForAsync($@"KC-TICK {pausedAt + 2}\b", TimeSpan.FromSeconds(30));

            // hibernate (managed save) and resume: the same boot goes on counting.
            var beforeSave = LastTick(log.Text);
            watch.Restart();
            vm.Driver.ManagedSave(name);
            var saved = vm.Driver.GetStatus(name);
            output.WriteLine($"managed save: {watch.Elapsed.TotalSeconds:0.00} s, state {saved}");
            Assert.Equal(DomainState.Shutoff, saved.State);
            Assert.Equal("saved", saved.ReasonName);
            Assert.True(vm.Driver.HasManagedSaveImage(name));
            watch.Restart();
            vm.Driver.Start(name);
            var restored = vm.Driver.GetStatus(name);
            Assert.Equal(DomainState.Running, restored.State);
            Assert.Equal("restored", restored.ReasonName);
            await log.WaitForAsync($@"KC-TICK {beforeSave + 2}\b", TimeSpan.FromSeconds(30));
            output.WriteLine($"resume from managed save to next tick: {watch.Elapsed.TotalSeconds:0.00} s");
            Assert.Equal(1, Count(log.Text, "KC-BOOT"));
            Assert.False(vm.Driver.HasManagedSaveImage(name));

            // reboot (ACPI): the guest powers off on the button and libvirt starts it again.
            await log.WaitForAsync("KC-ACPI-ARMED", TimeSpan.FromSeconds(30));
            vm.Driver.Reboot(name);
            await WaitUntilAsync(() => Count(log.Text, "KC-BOOT") == 2, TimeSpan.FromSeconds(90), () => log.Text);
            await log.WaitForAsync("KC-READY", TimeSpan.FromSeconds(60), log.Text.LastIndexOf("KC-BOOT", StringComparison.Ordinal));

            // graceful shutdown, then start again from cold.
            await log.WaitForAsync("KC-ACPI-ARMED", TimeSpan.FromSeconds(30), log.Text.LastIndexOf("KC-BOOT", StringComparison.Ordinal));
            // Generous: a TCG guest on a loaded 2-core machine can take long to act on the ACPI button.
            var outcome = await vm.Driver.ShutdownAsync(name, TimeSpan.FromSeconds(120));
            Assert.Equal(ShutdownOutcome.Graceful, outcome);
            Assert.Equal(DomainState.Shutoff, vm.Driver.GetStatus(name).State);
            vm.Driver.Start(name);
            await WaitUntilAsync(() => Count(log.Text, "KC-BOOT") == 3, TimeSpan.FromSeconds(60), () => log.Text);
            Assert.Equal(ShutdownOutcome.Forced, await vm.Driver.ShutdownAsync(name, TimeSpan.Zero));

            await WaitUntilAsync(() => events.Snapshot().Any(e => e.Type == DomainLifecycleEventType.Stopped), TimeSpan.FromSeconds(5), () => "no Stopped event");
            var seen = events.Snapshot();
            var types = seen.Select(e => e.Type).Distinct().ToList();
            output.WriteLine("lifecycle events: " + string.Join(", ", seen.Select(e => $"{e.Type}/{e.Detail}")));
            Assert.Contains(DomainLifecycleEventType.Defined, types);
            Assert.Contains(DomainLifecycleEventType.Started, types);
            Assert.Contains(DomainLifecycleEventType.Suspended, types);
            Assert.Contains(DomainLifecycleEventType.Resumed, types);
            Assert.Contains(DomainLifecycleEventType.Stopped, types);
        }
        finally
        {
            events.Dispose();
            vm.RemoveDomain(name);
            File.Delete(overlay);
            File.Delete(seed);
            cache.RemoveReference(sha, name);
            Assert.Equal([sha], cache.Prune());
        }

        Assert.Empty(Directory.GetFiles(cache.BasesDirectory));
        Assert.Empty(Directory.GetFileSystemEntries(cache.DownloadsDirectory));
        Assert.DoesNotContain(vm.Driver.List(), d => d.Name == name);
    }

    internal static int LastTick(string text)
    {
        // Only whole lines: a guest paused in the middle of writing "KC-TICK 12" must not read as tick 1.
        var matches = System.Text.RegularExpressions.Regex.Matches(text, @"KC-TICK (\d+)\r?\n");
        return matches.Count == 0 ? 0 : int.Parse(matches[^1].Groups[1].Value);
    }

    internal static int Count(string text, string marker) => System.Text.RegularExpressions.Regex.Count(text, System.Text.RegularExpressions.Regex.Escape(marker));

    internal static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, Func<string> describe)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"condition not met within {timeout.TotalSeconds:0} s: {SerialLog.Tail(describe(), 20)}");
            }

            await Task.Delay(100);
        }
    }
}
