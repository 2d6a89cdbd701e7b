using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Config;
using KubeCloud.Node.Bench;
using KubeCloud.Node.Images;
using KubeCloud.Node.Processes;
using KubeCloud.Node.Tests.Fixtures;
using KubeCloud.Operator.Scale.Bench;
using KubeCloud.Testing;

// kubecloud node bench: N VMs created one after the other through the whole cloud, each kept running; the node
// daemon's memory before the first and after the last, each also after a forced full GC, beside an empty .NET console
// app of the same run. --driver libvirt (default): real VMs (busybox guest, QEMU under TCG where KVM cannot run guests),
// with create -> Active and -> guest ready; --driver fake: the fake hypervisor driver (no QEMU), for the daemon's own
// per-VM cost with many VMs.
// Usage: dotnet tests/KubeCloud.Node.Bench/bin/Release/net10.0/KubeCloud.Node.Bench.dll [--runs N] [--driver libvirt|fake]
//        [--daemon PATH] (libvirt: root and libvirtd, tests/setup/node-deps.sh). --daemon: another kubecloud-node build, a dll
//        or an executable (the NativeAOT build, artifacts/node-aot/kubecloud-node); default this repository's JIT build.
var runs = 5;
var fake = false;
var daemonPath = NodePaths.Daemon;
var managed = true; // a NativeAOT executable has no diagnostics port to force a full GC through
for (var i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i], args[i + 1])
    {
        case ("--runs", var n):
            runs = int.Parse(n, CultureInfo.InvariantCulture);
            break;
        case ("--driver", "fake"):
            fake = true;
            break;
        case ("--driver", "libvirt"):
            fake = false;
            break;
        case ("--daemon", var path):
            daemonPath = Path.GetFullPath(path);
            managed = daemonPath.EndsWith(".dll", StringComparison.Ordinal);
            break;
        default:
            Console.Error.WriteLine($"kubecloud node bench: unknown argument {args[i]} {args[i + 1]} (--runs N, --driver libvirt|fake, --daemon PATH)");
            return 2;
    }
}

var run = ProcessCommandRunner.Instance;
var work = Path.Combine("/var/tmp", "kubecloud-node-bench-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(work);
var node = "bench-" + Guid.NewGuid().ToString("N")[..6];
Console.WriteLine($"kubecloud node bench: {runs} VMs on the {(fake ? "fake" : "libvirt")} driver, node {node}, load average before: {ProcessProbe.LoadAverage()}");

string disk;
if (fake)
{
    disk = Path.Combine(work, "guest.raw"); // the fake driver's instance files never read it; the operator checks it answers
    await File.WriteAllBytesAsync(disk, new byte[4096]);
}
else
{
    var guest = await BusyboxGuestImage.BuildAsync(run);
    disk = await guest.BootDiskAsync(run);
}

var sha = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(disk)));
using var files = new LoopbackFileServer();
var url = files.Add("guest.raw", disk);
var emptyApp = await NodeFigures.EmptyConsoleAppAsync(CancellationToken.None);

var (apiServer, kubeconfig) = await ApiServerProcess.StartAsync(BinaryPaths.ApiServer, work, 50_000);
await using var apiServerStop = apiServer;
using var client = new KubeClient(ClusterConfig.FromKubeconfig(kubeconfig));
await client.CreateAsync(new k8s.Models.V1Namespace { Metadata = new() { Name = "bench" } }); // and the API server warmed up: the operator checks it answers within 5 s
await using var op = await OperatorProcess.StartAsync(BinaryPaths.Operator, kubeconfig, new Dictionary<string, string?>(), [], TimeSpan.FromSeconds(120));
var daemon = ChildProcess.Start("kubecloud-node", daemonPath,
[
    "--kubeconfig", kubeconfig, "--node-name", node, "--state-dir", Path.Combine(work, "node"), "--tunnel-ip", "127.0.0.1",
    "--metrics-bind-address", $"127.0.0.1:{LoopbackFileServer.FreePort()}", "--health-probe-bind-address", $"127.0.0.1:{LoopbackFileServer.FreePort()}",
    "--console-bind-address", $"127.0.0.1:{LoopbackFileServer.FreePort()}", "--heartbeat-interval", "2",
    "--hypervisor-driver", fake ? "fake" : "libvirt",
], new Dictionary<string, string?>());
await using var daemonStop = daemon;
var names = Enumerable.Range(1, runs).Select(i => $"vm-{i}").ToList();
try
{
    await Until(async () => Conditions.IsTrue((await Get<KubeCloud.Api.V1Alpha1.Hypervisor>(client, node, null))?.Status, ConditionTypes.Ready), TimeSpan.FromMinutes(2), "the Hypervisor Ready");
    await client.CreateAsync(new Flavor { Metadata = new() { Name = "bench" }, Spec = new FlavorSpec { Vcpus = 1, Memory = Quantity.Parse("128Mi"), RootDisk = Quantity.Parse("128Mi") } });
    await client.CreateAsync(new Image { Metadata = new() { Name = "guest", NamespaceProperty = "bench" }, Spec = new ImageSpec { Source = new() { Url = url.ToString() }, Checksum = sha, DiskFormat = DiskFormat.Raw } });
    await client.CreateAsync(new Network { Metadata = new() { Name = "private", NamespaceProperty = "bench" }, Spec = new NetworkSpec { Subnets = [new Subnet { Name = "v4", Cidr = "10.77.0.0/24" }] } });
    var idle = daemon.Probe.Settled();
    if (managed)
    {
        await InducedCollection.RunAsync(daemon.Id, CancellationToken.None);
    }

    var idleCollected = daemon.Probe.Settled();

    var samples = new List<VmTimes>();
    ProcessSample? first = null;
    foreach (var name in names)
    {
        var watch = Stopwatch.StartNew();
        await client.CreateAsync(new Server
        {
            Metadata = new() { Name = name, NamespaceProperty = "bench" },
            Spec = new ServerSpec { FlavorRef = new() { Name = "bench" }, ImageRef = new() { Name = "guest" }, Networks = [new ServerNetwork { NetworkRef = new() { Name = "private" } }] },
        });
        var console = Path.Combine(work, "node", "instances", $"bench_{name}", "console.log");
        TimeSpan? active = null, firstOutput = null, ready = null;
        await Until(async () =>
        {
            if (active is null && (await Get<Server>(client, name, "bench"))?.Status is { Phase: ServerPhase.Active } status && Conditions.IsTrue(status, ConditionTypes.Ready))
            {
                active = watch.Elapsed;
            }

            if (fake)
            {
                firstOutput = ready = active; // no guest boots
                return active is not null;
            }

            var text = File.Exists(console) ? await ReadShared(console) : string.Empty;
            firstOutput ??= text.Length > 0 ? watch.Elapsed : null;
            ready ??= text.Contains("KC-READY", StringComparison.Ordinal) ? watch.Elapsed : null;
            return active is not null && ready is not null;
        }, TimeSpan.FromMinutes(5), $"{name} Active and its guest ready");
        samples.Add(new VmTimes(active!.Value, firstOutput!.Value, ready!.Value));
        if (samples.Count == 1)
        {
            // After the first VM: what the daemon loads and compiles once (the spawn path's code, the image cache, the
            // network's bridge and DHCP) is in, so the VMs after it show the cost of one more VM alone.
            first = daemon.Probe.Settled();
        }

        Console.WriteLine(fake
            ? $"  {name}: create->Active {active.Value.TotalSeconds:0.00} s; load {ProcessProbe.LoadAverage()}"
            : $"  {name}: create->Active {active.Value.TotalSeconds:0.00} s, ->first console output {firstOutput.Value.TotalSeconds:0.00} s, ->guest ready (KC-READY) {ready.Value.TotalSeconds:0.00} s; load {ProcessProbe.LoadAverage()}");
    }

    var loaded = daemon.Probe.Settled();
    if (managed)
    {
        await InducedCollection.RunAsync(daemon.Id, CancellationToken.None);
    }

    var loadedCollected = daemon.Probe.Settled();
    var qemu = fake ? 0 : await Rss.QemuAsync(run, names.Select(n => $"kc-bench-{n}"));
    Console.WriteLine();
    var toActive = Seconds(samples.Select(s => s.Active));
    var toReady = Seconds(samples.Select(s => s.Ready));
    var boot = Seconds(samples.Select(s => s.Ready - s.Active));
    var init = Seconds(samples.Select(s => s.Ready - s.FirstOutput));
    var share = Percentiles.Of(samples.Select(s => (double?)((s.Ready - s.Active) / s.Ready * 100)));
    Console.WriteLine($"create -> Active and Ready     p50 {toActive.P50:0.00} s   p95 {toActive.P95:0.00} s   (n={runs})");
    if (!fake)
    {
        Console.WriteLine($"create -> guest ready          p50 {toReady.P50:0.00} s   p95 {toReady.P95:0.00} s");
        Console.WriteLine($"guest boot (Active, i.e. QEMU running -> KC-READY: firmware, bootloader, kernel, init): p50 {boot.P50:0.00} s, p95 {boot.P95:0.00} s; " +
            $"share of create -> guest ready: p50 {share.P50:0}%; of it the init script (first console line -> KC-READY): p50 {init.P50:0.00} s");
        Console.WriteLine("  (Active is libvirt's Running: the guest boots after it, so create -> Active has no guest boot in it)");
    }

    Console.WriteLine($"kubecloud-node memory (target: < 50 MB, < 5 MB per VM beyond QEMU's own); empty .NET console app of this run: {emptyApp.Breakdown}");
    Console.WriteLine($"  0 VMs:              {idle.Breakdown}");
    var noGc = managed ? string.Empty : " (NativeAOT: no diagnostics port, no GC forced)";
    Console.WriteLine($"  0 VMs, full GC:     {idleCollected.Breakdown}{noGc}");
    Console.WriteLine($"  {runs} VMs:              {loaded.Breakdown} (peak {loaded.PeakRssMiB:0.0} MiB)");
    Console.WriteLine($"  {runs} VMs, full GC:     {loadedCollected.Breakdown}{noGc}");
    Console.WriteLine($"  per VM: {(loaded.RssBytes - idle.RssBytes) / 1048576.0 / runs:0.00} MiB RSS ({(loaded.PrivateBytes - idle.PrivateBytes) / 1048576.0 / runs:0.00} MiB private); " +
        $"after full GCs {(loadedCollected.RssBytes - idleCollected.RssBytes) / 1048576.0 / runs:0.00} MiB RSS ({(loadedCollected.PrivateBytes - idleCollected.PrivateBytes) / 1048576.0 / runs:0.00} MiB private)" +
        (fake ? string.Empty : $"; QEMU: {qemu / runs:0} MiB RSS per VM"));
    if (runs > 1 && first is { } one)
    {
        Console.WriteLine($"  1 VM:               {one.Breakdown}");
        Console.WriteLine($"  per VM after the first (the {runs - 1} VMs after it, beside the daemon with one VM; the first VM's figure above also carries " +
            $"the code and caches loaded once): {(loaded.RssBytes - one.RssBytes) / 1048576.0 / (runs - 1):0.00} MiB RSS ({(loaded.PrivateBytes - one.PrivateBytes) / 1048576.0 / (runs - 1):0.00} MiB private)");
    }

    Console.WriteLine($"load average after: {ProcessProbe.LoadAverage()} ({Environment.ProcessorCount} cores)");
}
finally
{
    foreach (var name in names)
    {
        try
        {
            await client.DeleteAsync<Server>(name, "bench");
        }
        catch (NotFoundException)
        {
        }
    }

    await Until(async () =>
    {
        foreach (var name in names)
        {
            if (await Get<Server>(client, name, "bench") is not null)
            {
                return false;
            }
        }

        return true;
    }, TimeSpan.FromMinutes(3), "the servers deleted");

    // The node unwires the network (bridge, VXLAN device, DHCP and its DHCP port) once its last port is gone: wait for
    // it, or the bench leaves a VXLAN device with the operator's first VNI on the host (it broke the next local mode).
    await Until(async () => ((await client.ListAsync<Port>("bench")).Items ?? []).Count == 0, TimeSpan.FromMinutes(1), "the ports gone and the network unwired");
    Directory.Delete(work, true);
}

return 0;

static async Task<T?> Get<T>(KubeClient client, string name, string? ns)
    where T : class, k8s.IKubernetesObject<k8s.Models.V1ObjectMeta>
{
    try
    {
        return await client.GetAsync<T>(name, ns);
    }
    catch (NotFoundException)
    {
        return null;
    }
}

static async Task Until(Func<Task<bool>> condition, TimeSpan timeout, string what)
{
    var deadline = DateTime.UtcNow + timeout;
    while (!await condition())
    {
        if (DateTime.UtcNow > deadline)
        {
            throw new TimeoutException($"bench: {what} not within {timeout.TotalSeconds:0} s");
        }

        await Task.Delay(100);
    }
}

static async Task<string> ReadShared(string path)
{
    await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
    using var reader = new StreamReader(stream);
    return await reader.ReadToEndAsync();
}

// Percentiles of seconds (the scale bench's Percentiles take milliseconds).
static Percentiles Seconds(IEnumerable<TimeSpan> values)
{
    var ms = Percentiles.Of(values.Select(v => (double?)v.TotalMilliseconds));
    return ms with { P50 = ms.P50 / 1000, P95 = ms.P95 / 1000, P99 = ms.P99 / 1000, Max = ms.Max / 1000 };
}
