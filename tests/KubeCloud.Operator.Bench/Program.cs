using System.Diagnostics;
using System.Globalization;
using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Operator.Admission;
using KubeCloud.Operator.Ipam;
using KubeCloud.Operator.Quota;

// Usage: dotnet run -c Release --project tests/KubeCloud.Operator.Bench -- [--ports 60000] [--admission-ports 100,1000,10000] [--servers 10000]
var ports = 60_000;
int[] admissionPorts = [100, 1_000, 10_000];
var servers = 10_000;
for (var i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--ports":
            ports = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            break;
        case "--admission-ports":
            admissionPorts = [.. args[i + 1].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
            break;
        case "--servers":
            servers = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            break;
        default:
            Console.Error.WriteLine($"unknown option {args[i]}");
            return 2;
    }
}

Console.WriteLine($"machine: {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
var network = new Network { Metadata = { Name = "big", NamespaceProperty = "p1", Uid = "net-uid" }, Spec = new NetworkSpec { Subnets = [new Subnet { Name = "s", Cidr = "10.0.0.0/16" }] } };

// Warm-up: JIT every path once, unmeasured.
Allocate(new NetworkAddressAllocator(network), 2_000, threads: 1);

// Baseline: the least any allocator must do, a HashSet of numbers filled in order.
var baseline = Stopwatch.StartNew();
var set = new HashSet<UInt128>();
for (var n = 0; n < ports; n++)
{
    set.Add((UInt128)n);
}

Report("baseline: HashSet<UInt128>.Add", ports, baseline.Elapsed);
foreach (var threads in new[] { 1, 2, 8 })
{
    var allocator = new NetworkAddressAllocator(network);
    var elapsed = Allocate(allocator, ports, threads);
    Report($"IPAM allocate (MAC + IPv4 from a /16), {threads} thread(s)", ports, elapsed);
}

var live = new NetworkAddressAllocator(network);
Allocate(live, ports, 1);
var statuses = live.Snapshot(includePending: true).Select(p => PortWith(p.Key, p.Value)).ToList();
var rebuild = Stopwatch.StartNew();
NetworkAddressAllocator.Rebuild(network, statuses, out var conflicts);
Report($"IPAM rebuild from {statuses.Count} Port statuses (restart), {conflicts.Count} conflicts", statuses.Count, rebuild.Elapsed);

// Admission: a port with a requested address rebuilds the network's allocator from the cache (a dry run).
var caller = new AdmissionCaller("bob", ["system:authenticated"]);
foreach (var count in admissionPorts)
{
    var objects = new ListLookup([network, .. statuses.Take(count)]);
    var validator = new PortAdmission(objects, new AllowAll());
    var plain = new Port { Metadata = { Name = "new", NamespaceProperty = "p1", Uid = "new-uid" }, Spec = new PortSpec { NetworkRef = new NamespacedObjectReference { Name = "big" } } };
    var fixedIp = new Port { Metadata = { Name = "new", NamespaceProperty = "p1", Uid = "new-uid" }, Spec = new PortSpec { NetworkRef = new NamespacedObjectReference { Name = "big" }, FixedIPs = [new FixedIP { IPAddress = "10.0.255.200" }] } };
    var requests = Math.Max(20, 200_000 / Math.Max(count, 1));
    Report($"admission, port without fixed IP, {count} ports on the network (baseline)", requests, Validate(validator, plain, caller, requests));
    Report($"admission, port with fixed IP (IPAM dry run), {count} ports on the network", requests, Validate(validator, fixedIp, caller, requests));
}

// Quota: usage counted from the objects at every check.
var flavor = new Flavor { Metadata = { Name = "m1" }, Spec = new FlavorSpec { Vcpus = 2, Memory = Quantity.Parse("4Gi") } };
var project = new ProjectObjects(
    [.. Enumerable.Range(0, servers).Select(i => new Server { Metadata = { Name = $"vm{i}", NamespaceProperty = "p1" }, Spec = new ServerSpec { FlavorRef = new LocalObjectReference { Name = "m1" } } })],
    [.. Enumerable.Range(0, servers / 2).Select(i => new Volume { Metadata = { Name = $"v{i}", NamespaceProperty = "p1" }, Spec = new VolumeSpec { Size = Quantity.Parse("10Gi") } })],
    [],
    [],
    []);
ProjectUsageCounter.Count(project, _ => flavor);
var counting = Stopwatch.StartNew();
const int Counts = 50;
for (var n = 0; n < Counts; n++)
{
    ProjectUsageCounter.Count(project, _ => flavor);
}

Report($"quota usage counted from {servers} servers and {servers / 2} volumes", Counts, counting.Elapsed);
return 0;

static TimeSpan Allocate(NetworkAddressAllocator allocator, int count, int threads)
{
    var watch = Stopwatch.StartNew();
    Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = threads }, n =>
    {
        var uid = n.ToString(CultureInfo.InvariantCulture);
        if (!allocator.Allocate(new PortIdentity("p1", uid, uid), new PortSpec()).Succeeded)
        {
            throw new InvalidOperationException("allocation failed");
        }
    });
    return watch.Elapsed;
}

static TimeSpan Validate(PortAdmission validator, Port port, AdmissionCaller caller, int requests)
{
    validator.ValidateAsync(AdmissionRequest.Create(port, caller)).AsTask().GetAwaiter().GetResult();
    var watch = Stopwatch.StartNew();
    for (var n = 0; n < requests; n++)
    {
        var verdict = validator.ValidateAsync(AdmissionRequest.Create(port, caller)).AsTask().GetAwaiter().GetResult();
        if (!verdict.Allowed)
        {
            throw new InvalidOperationException(verdict.Message);
        }
    }

    return watch.Elapsed;
}

static Port PortWith(string uid, PortAddresses addresses) => new()
{
    Metadata = { Name = uid, NamespaceProperty = "p1", Uid = uid },
    Spec = new PortSpec { NetworkRef = new NamespacedObjectReference { Name = "big" } },
    Status = new PortStatus { MacAddress = addresses.MacAddress, FixedIPs = [.. addresses.FixedIPs.Select(ip => ip.ToStatus())] },
};

static void Report(string what, int operations, TimeSpan elapsed) =>
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{what}: {operations} in {elapsed.TotalMilliseconds:0.0} ms = {operations / elapsed.TotalSeconds:0} /s ({elapsed.TotalMicroseconds / operations:0.00} us each)"));

/// <summary>The objects as a flat list, as an informer cache's index would answer.</summary>
internal sealed class ListLookup(IReadOnlyList<object> objects) : IObjectLookup
{
    public T? Get<T>(string? @namespace, string name)
        where T : class => objects.OfType<T>().FirstOrDefault(o => Meta(o).Name == name && Meta(o).NamespaceProperty == @namespace);

    public IReadOnlyList<T> List<T>(string? @namespace)
        where T : class => [.. objects.OfType<T>().Where(o => @namespace is null || Meta(o).NamespaceProperty == @namespace)];

    private static k8s.Models.V1ObjectMeta Meta(object o) => ((k8s.Models.IMetadata<k8s.Models.V1ObjectMeta>)o).Metadata!;
}

/// <summary>An authorizer that allows everything (the bench asks nothing anyway: same-namespace references).</summary>
internal sealed class AllowAll : IAccessAuthorizer
{
    public ValueTask<bool> IsAllowedAsync(AdmissionCaller caller, AccessQuestion question, CancellationToken cancellationToken) => ValueTask.FromResult(true);
}
