// Authorizer throughput for a cluster of 1,000 bindings: requests per second on one thread and
// on all cores, for allowed and denied requests. Run: dotnet run -c Release --project tests/KubeCloud.ApiServer.Auth.Benchmarks
using System.Diagnostics;
using System.Text.Json.Nodes;
using k8s.Models;
using KubeCloud.ApiServer.Auth;

var source = new BenchmarkCluster(bindings: 1000, namespaces: 100);
var authorizer = new RbacAuthorizer(source);
var requests = new[]
{
    ("allowed via RoleBinding", Request("user-517", "ns-17", "create")),
    ("allowed via ClusterRoleBinding group", Request("user-3", "ns-42", "get", "system:authenticated", "readers")),
    ("denied (no binding in namespace)", Request("user-517", "ns-18", "create")),
    ("denied (unknown user, many groups)", Request("nobody", "ns-5", "delete", "g1", "g2", "g3", "system:authenticated")),
};

Console.WriteLine($"RBAC authorizer, {source.BindingCount} bindings ({Environment.ProcessorCount} cores)");

// One untimed pass so that every path is compiled by the tiered JIT before any figure is taken.
foreach (var (_, request) in requests)
{
    Measure(() => authorizer.Authorize(request), 1);
}

foreach (var (name, request) in requests)
{
    Console.WriteLine($"  {name,-40} {authorizer.Authorize(request).Decision,-9} {Measure(() => authorizer.Authorize(request), 1),12:N0} req/s  {Measure(() => authorizer.Authorize(request), Environment.ProcessorCount),12:N0} req/s on {Environment.ProcessorCount} threads");
}

var compile = Stopwatch.StartNew();
var policy = RbacPolicy.Load(source);
Console.WriteLine($"  policy compile after an RBAC change: {compile.Elapsed.TotalMilliseconds:N1} ms ({policy.BindingCount} bindings)");

// Without revisions: cached by resourceVersion fingerprint (objects listed per request), or compiled per request.
var discovery = new RequestAttributes(new UserInfo("tenant", null, [UserInfo.AuthenticatedGroup]), "get", IsResourceRequest: false, Path: "/apis");
var stamped = new RbacAuthorizer(new UnversionedCluster(BootstrapPolicy.Objects(), withResourceVersions: true));
var unstamped = new RbacAuthorizer(new UnversionedCluster(BootstrapPolicy.Objects(), withResourceVersions: false));
Console.WriteLine($"  unversioned source, bootstrap policy, objects with resourceVersion:    {Measure(() => stamped.Authorize(discovery), 1),12:N0} req/s");
Console.WriteLine($"  unversioned source, bootstrap policy, objects without resourceVersion: {Measure(() => unstamped.Authorize(discovery), 1),12:N0} req/s");

static double Measure(Action action, int threads)
{
    // Warm up long enough for tiered JIT to reach its optimised code.
    var warmup = Stopwatch.StartNew();
    while (warmup.ElapsedMilliseconds < 500)
    {
        action();
    }

    // About one second of work per thread.
    var probe = Stopwatch.StartNew();
    for (var i = 0; i < 1000; i++)
    {
        action();
    }

    var perThread = (int)Math.Clamp(1000 / probe.Elapsed.TotalSeconds, 1000, 5_000_000);

    var watch = Stopwatch.StartNew();
    Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, _ =>
    {
        for (var i = 0; i < perThread; i++)
        {
            action();
        }
    });
    return perThread * threads / watch.Elapsed.TotalSeconds;
}

static RequestAttributes Request(string user, string ns, string verb, params string[] groups) =>
    new(new UserInfo(user, null, groups), verb, IsResourceRequest: true, ApiGroup: "kubecloud.io", ApiVersion: "v1alpha1", Resource: "servers", Namespace: ns, Name: "web");

/// <summary>1,000 bindings: 950 RoleBindings of users to the member role across namespaces, 50 ClusterRoleBindings.</summary>
internal sealed class BenchmarkCluster : IVersionedClusterObjectSource
{
    private readonly Dictionary<string, List<JsonObject>> objects = [];

    public BenchmarkCluster(int bindings, int namespaces)
    {
        Add("clusterroles", Json(new V1ClusterRole
        {
            Metadata = new() { Name = "kubecloud-member" },
            Rules = [new() { ApiGroups = ["kubecloud.io"], Resources = ["servers", "networks", "ports", "volumes", "images"], Verbs = ["get", "list", "watch", "create", "update", "patch", "delete"] },
                new() { ApiGroups = ["kubecloud.io"], Resources = ["networks", "images"], Verbs = ["use"] }],
        }));
        Add("clusterroles", Json(new V1ClusterRole
        {
            Metadata = new() { Name = "kubecloud-reader" },
            Rules = [new() { ApiGroups = ["kubecloud.io"], Resources = ["*"], Verbs = ["get", "list", "watch"] }],
        }));
        for (var i = 0; i < 50; i++)
        {
            Add("clusterrolebindings", Json(new V1ClusterRoleBinding
            {
                Metadata = new() { Name = $"crb-{i}" },
                RoleRef = new() { ApiGroup = RbacResources.Group, Kind = "ClusterRole", Name = i == 49 ? "kubecloud-reader" : "kubecloud-member" },
                Subjects = [new() { Kind = "Group", ApiGroup = RbacResources.Group, Name = i == 49 ? "readers" : $"crb-group-{i}" }],
            }));
        }

        for (var i = 0; i < bindings - 50; i++)
        {
            Add("rolebindings", Json(new V1RoleBinding
            {
                Metadata = new() { Name = $"rb-{i}", NamespaceProperty = $"ns-{i % namespaces}" },
                RoleRef = new() { ApiGroup = RbacResources.Group, Kind = "ClusterRole", Name = "kubecloud-member" },
                Subjects = [new() { Kind = "User", ApiGroup = RbacResources.Group, Name = $"user-{i}" }, new() { Kind = "ServiceAccount", Name = $"sa-{i}" }],
            }));
        }
    }

    public int BindingCount => objects["rolebindings"].Count + objects["clusterrolebindings"].Count;

    public IReadOnlyList<JsonObject> List(string group, string resource, string? @namespace = null) =>
        objects.TryGetValue(resource, out var list) ? list : [];

    public JsonObject? Get(string group, string resource, string? @namespace, string name) => null;

    public long RevisionOf(string group, string resource) => 1;

    private void Add(string resource, JsonObject item)
    {
        if (!objects.TryGetValue(resource, out var list))
        {
            objects[resource] = list = [];
        }

        list.Add(item);
    }

    private static JsonObject Json<T>(T value) => KubeJson.SerializeToNode(value)!.AsObject();
}

/// <summary>Objects by resource, with no revisions.</summary>
internal sealed class UnversionedCluster(IEnumerable<JsonObject> items, bool withResourceVersions) : IClusterObjectSource
{
    private readonly List<JsonObject> all = [.. items.Select((o, i) =>
    {
        if (withResourceVersions)
        {
            o["metadata"]!["resourceVersion"] = $"{i + 1}";
        }

        return o;
    })];

    public IReadOnlyList<JsonObject> List(string group, string resource, string? @namespace = null) =>
        [.. all.Where(o => (string?)o["kind"] switch
        {
            "ClusterRole" => resource == RbacResources.ClusterRoles,
            "ClusterRoleBinding" => resource == RbacResources.ClusterRoleBindings,
            _ => false,
        })];

    public JsonObject? Get(string group, string resource, string? @namespace, string name) => null;
}
