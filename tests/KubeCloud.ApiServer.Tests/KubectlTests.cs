using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Tests.Support;

namespace KubeCloud.ApiServer.Tests;

/// <summary>kubectl 1.32 (machine image) and 1.33 (npm layer) driving the server as a user would.</summary>
public sealed class KubectlTests : IClassFixture<ServerFixture>
{
    private readonly ServerFixture _fixture;

    public KubectlTests(ServerFixture fixture)
    {
        _fixture = fixture;
    }

    /// <summary>One process argument holding JSON (the argument parser treats double quotes specially).</summary>
    private static string Arg(string json) => "\"" + json.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static string Data(string path) => Path.Combine(AppContext.BaseDirectory, "TestData", path);

    private async Task<string> KubectlOk(string version, string arguments, string? stdin = null) =>
        (await _fixture.KubectlAsync(version, arguments, stdin)).EnsureSuccess().Stdout;

    private async Task ApplyCrdsAsync(string version)
    {
        await KubectlOk(version, $"apply -f {Data("crds")}");
    }

    private static string Widget(string ns, string name, int size, string extra = "") => $"""
        apiVersion: test.kubecloud.io/v1
        kind: Widget
        metadata:
          name: {name}
          namespace: {ns}
        spec:
          size: {size}{extra}
        """;

    private async Task NamespaceAsync(string version, string ns)
    {
        var result = await _fixture.KubectlAsync(version, $"create namespace {ns}");
        Assert.True(result.ExitCode == 0 || result.Stderr.Contains("AlreadyExists", StringComparison.Ordinal), result.ToString());
    }

    [Theory]
    [MemberData(nameof(KubeClients.KubectlVersions), MemberType = typeof(KubeClients))]
    public async Task Apply_crds_then_examples_and_get_the_category_with_printer_columns(string version)
    {
        await ApplyCrdsAsync(version);
        await KubectlOk(version, $"apply -f {Data("examples")}");
        var table = await KubectlOk(version, "get kubecloud -A");
        var multiline = System.Text.RegularExpressions.RegexOptions.Multiline;
        Assert.Matches(new System.Text.RegularExpressions.Regex(@"^NAMESPACE\s+NAME\s+SIZE\s+READY\s+AGE", multiline), table);
        Assert.Matches(new System.Text.RegularExpressions.Regex(@"^shop\s+(widget\.test\.kubecloud\.io/)?large\s+9\s", multiline), table);
        var yaml = await KubectlOk(version, "get widget large -n shop -o jsonpath={.spec.color}");
        Assert.Equal("red", yaml);
    }

    [Theory]
    [MemberData(nameof(KubeClients.KubectlVersions), MemberType = typeof(KubeClients))]
    public async Task Apply_the_project_crds_and_examples_then_get_and_explain_the_cloud(string version)
    {
        var root = KubeClients.RepositoryRoot;
        await KubectlOk(version, $"apply -f {Path.Combine(root, "crds")}");
        await KubectlOk(version, $"apply -f {Path.Combine(root, "examples")}");
        var cloud = await KubectlOk(version, "get kubecloud -A");
        Assert.Matches(@"NAME\s+VCPUS\s+MEMORY\s+ROOT DISK\s+PUBLIC\s+AGE", cloud);
        Assert.Matches(@"flavor\.kubecloud\.io/m1\.small\s+1\s+2Gi", cloud);
        Assert.Matches(@"NAMESPACE\s+NAME\s+PHASE\s+POWER\s+NODE\s+FLAVOR", cloud);
        Assert.Matches(@"demo\s+server\.kubecloud\.io/web-1\s+.*m1\.small", cloud);
        var explained = await KubectlOk(version, "explain server.spec");
        Assert.Contains("flavorRef", explained, StringComparison.Ordinal);
        Assert.Contains("-required-", explained, StringComparison.Ordinal);
        Assert.Contains("unchanged", await KubectlOk(version, $"apply -f {Path.Combine(root, "examples")}"), StringComparison.Ordinal);
        Assert.Equal(0, (await _fixture.KubectlAsync(version, $"diff -f {Path.Combine(root, "examples")}")).ExitCode);
    }

    [Theory]
    [MemberData(nameof(KubeClients.KubectlVersions), MemberType = typeof(KubeClients))]
    public async Task Explain_reads_the_crd_schema_and_built_ins(string version)
    {
        await ApplyCrdsAsync(version);
        var explained = await KubectlOk(version, "explain widget.spec");
        Assert.Contains("The desired widget.", explained, StringComparison.Ordinal);
        Assert.Contains("size", explained, StringComparison.Ordinal);
        var deployment = await KubectlOk(version, "explain deployment.spec.replicas");
        Assert.Contains("replicas", deployment, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(KubeClients.KubectlVersions), MemberType = typeof(KubeClients))]
    public async Task Apply_again_with_a_change_merges_three_ways_without_spurious_diff(string version)
    {
        var ns = "apply-" + version.Replace('.', '-');
        await ApplyCrdsAsync(version);
        await NamespaceAsync(version, ns);
        var deployment = $$$"""
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              namespace: {{{ns}}}
            spec:
              replicas: 2
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec:
                  containers:
                  - {name: web, image: "nginx:1.25", ports: [{containerPort: 80}]}
                  - {name: side, image: busybox, env: [{name: A, value: "1"}]}
            """;
        await KubectlOk(version, "apply -f -", deployment);
        await KubectlOk(version, "apply -f -", Widget(ns, "w", 1));
        // Another client changes a field apply does not manage; apply must keep it.
        await KubectlOk(version, $"label deployment web -n {ns} touched=yes");
        var changed = deployment.Replace("nginx:1.25", "nginx:1.26", StringComparison.Ordinal).Replace("value: \"1\"", "value: \"2\"", StringComparison.Ordinal);
        var diff = await _fixture.KubectlAsync(version, "diff -f -", changed);
        Assert.Equal(1, diff.ExitCode);
        Assert.Contains("nginx:1.26", diff.Stdout, StringComparison.Ordinal);
        Assert.Contains("configured", await KubectlOk(version, "apply -f -", changed), StringComparison.Ordinal);
        Assert.Contains("configured", await KubectlOk(version, "apply -f -", Widget(ns, "w", 2)), StringComparison.Ordinal);
        Assert.Contains("unchanged", await KubectlOk(version, "apply -f -", changed), StringComparison.Ordinal);
        Assert.Equal(0, (await _fixture.KubectlAsync(version, "diff -f -", changed)).ExitCode);
        Assert.Equal(0, (await _fixture.KubectlAsync(version, "diff -f -", Widget(ns, "w", 2))).ExitCode);
        var live = JsonNode.Parse(await KubectlOk(version, $"get deployment web -n {ns} -o json"))!;
        Assert.Equal("nginx:1.26", (string?)live["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]);
        Assert.Equal("2", (string?)live["spec"]!["template"]!["spec"]!["containers"]![1]!["env"]![0]!["value"]);
        Assert.Equal("yes", (string?)live["metadata"]!["labels"]!["touched"]);
        Assert.Equal(2, (int?)live["metadata"]!["generation"]);
        var widget = JsonNode.Parse(await KubectlOk(version, $"get widget w -n {ns} -o json"))!;
        Assert.Equal(2, (int?)widget["metadata"]!["generation"]);
    }

    [Theory]
    [MemberData(nameof(KubeClients.KubectlVersions), MemberType = typeof(KubeClients))]
    public async Task Scale_writes_replicas_through_the_scale_subresource(string version)
    {
        var ns = "scale-" + version.Replace('.', '-');
        await NamespaceAsync(version, ns);
        await KubectlOk(version, "apply -f -", $"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web, namespace: {ns}}}\nspec:\n  replicas: 1\n  selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata: {{labels: {{app: web}}}}\n    spec: {{containers: [{{name: web, image: nginx}}]}}\n");
        Assert.Contains("scaled", await KubectlOk(version, $"scale deployment web -n {ns} --replicas=4"), StringComparison.Ordinal);
        Assert.Equal("4", await KubectlOk(version, $"get deployment web -n {ns} -o jsonpath={{.spec.replicas}}"));
        Assert.Equal("2", await KubectlOk(version, $"get deployment web -n {ns} -o jsonpath={{.metadata.generation}}"));
    }

    [Theory]
    [MemberData(nameof(KubeClients.KubectlVersions), MemberType = typeof(KubeClients))]
    public async Task Server_side_apply_records_managed_fields(string version)
    {
        var ns = "ssa-" + version.Replace('.', '-');
        await ApplyCrdsAsync(version);
        await NamespaceAsync(version, ns);
        var configMap = $"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: settings, namespace: {ns}}}\ndata: {{a: \"1\", b: \"2\"}}\n";
        Assert.Contains("serverside-applied", await KubectlOk(version, "apply --server-side -f -", configMap), StringComparison.Ordinal);
        Assert.Contains("serverside-applied", await KubectlOk(version, "apply --server-side -f -", Widget(ns, "ssa", 5)), StringComparison.Ordinal);
        // Dropping a field this manager applied removes it.
        await KubectlOk(version, "apply --server-side -f -", configMap.Replace(", b: \"2\"", "", StringComparison.Ordinal));
        var live = JsonNode.Parse(await KubectlOk(version, $"get configmap settings -n {ns} -o json --show-managed-fields"))!;
        Assert.Null(live["data"]!["b"]);
        var managers = live["metadata"]!["managedFields"]!.AsArray();
        Assert.Contains(managers, m => (string?)m!["manager"] == "kubectl" && (string?)m["operation"] == "Apply");
        // Another manager changing an owned field conflicts unless forced.
        var conflict = await _fixture.KubectlAsync(version, "apply --server-side --field-manager=other -f -", configMap.Replace("a: \"1\"", "a: \"9\"", StringComparison.Ordinal));
        Assert.NotEqual(0, conflict.ExitCode);
        Assert.Contains("conflict", conflict.Stderr, StringComparison.OrdinalIgnoreCase);
        await KubectlOk(version, "apply --server-side --force-conflicts --field-manager=other -f -", configMap.Replace("a: \"1\"", "a: \"9\"", StringComparison.Ordinal));
        Assert.Equal("9", await KubectlOk(version, $"get configmap settings -n {ns} -o jsonpath={{.data.a}}"));
    }

    [Theory]
    [MemberData(nameof(KubeClients.KubectlVersions), MemberType = typeof(KubeClients))]
    public async Task Patch_status_subresource_then_wait_for_condition_set_by_another_client(string version)
    {
        var ns = "status-" + version.Replace('.', '-');
        await ApplyCrdsAsync(version);
        await NamespaceAsync(version, ns);
        await KubectlOk(version, "apply -f -", Widget(ns, "s", 1));
        // Status on the main resource is ignored; spec on /status is ignored.
        await KubectlOk(version, $"patch widget s -n {ns} --type=merge -p " + Arg("""{"status":{"conditions":[{"type":"Ready","status":"True"}]}}"""));
        Assert.Equal("", await KubectlOk(version, $"get widget s -n {ns} -o jsonpath={{.status}}"));
        var watchers = _fixture.Server.OpenWatches("test.kubecloud.io", "widgets");
        var wait = _fixture.KubectlAsync(version, $"wait --for=condition=Ready widget/s -n {ns} --timeout=60s");
        await Eventually.TrueAsync(() => Task.FromResult(_fixture.Server.OpenWatches("test.kubecloud.io", "widgets") > watchers), "kubectl wait is watching", seconds: 60);
        var (code, body) = await _fixture.SendAsync(HttpMethod.Patch, $"/apis/test.kubecloud.io/v1/namespaces/{ns}/widgets/s/status",
            JsonNode.Parse("""{"spec":{"size":99},"status":{"conditions":[{"type":"Ready","status":"True","reason":"Done"}]}}"""), "application/merge-patch+json");
        Assert.True(code == System.Net.HttpStatusCode.OK, body.ToJsonString());
        Assert.Contains("condition met", (await wait).EnsureSuccess().Stdout, StringComparison.Ordinal);
        Assert.Equal("1", await KubectlOk(version, $"get widget s -n {ns} -o jsonpath={{.spec.size}}"));
        await KubectlOk(version, $"patch widget s -n {ns} --subresource=status --type=merge -p " + Arg("""{"status":{"conditions":[{"type":"Ready","status":"False"}]}}"""));
        Assert.Equal("False", await KubectlOk(version, $"get widget s -n {ns} -o jsonpath={{.status.conditions[0].status}}"));
        Assert.Equal("1", await KubectlOk(version, $"get widget s -n {ns} -o jsonpath={{.metadata.generation}}"));
    }

    [Theory]
    [MemberData(nameof(KubeClients.KubectlVersions), MemberType = typeof(KubeClients))]
    public async Task Delete_with_a_finalizer_waits_until_it_is_released(string version)
    {
        var ns = "fin-" + version.Replace('.', '-');
        await ApplyCrdsAsync(version);
        await NamespaceAsync(version, ns);
        await KubectlOk(version, "apply -f -", Widget(ns, "held", 1).Replace("  namespace:", "  finalizers: [kubecloud.io/cleanup]\n  namespace:", StringComparison.Ordinal));
        await KubectlOk(version, $"delete widget held -n {ns} --wait=false");
        var live = JsonNode.Parse(await KubectlOk(version, $"get widget held -n {ns} -o json"))!;
        Assert.NotNull(live["metadata"]!["deletionTimestamp"]);
        var watchers = _fixture.Server.OpenWatches("test.kubecloud.io", "widgets");
        var waiting = _fixture.KubectlAsync(version, $"wait --for=delete widget/held -n {ns} --timeout=60s");
        await Eventually.TrueAsync(() => Task.FromResult(_fixture.Server.OpenWatches("test.kubecloud.io", "widgets") > watchers), "kubectl wait is watching", seconds: 60);
        await KubectlOk(version, $"patch widget held -n {ns} --type=json -p " + Arg("""[{"op":"remove","path":"/metadata/finalizers"}]"""));
        (await waiting).EnsureSuccess();
        var gone = await _fixture.KubectlAsync(version, $"get widget held -n {ns}");
        Assert.Contains("NotFound", gone.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(KubeClients.KubectlVersions), MemberType = typeof(KubeClients))]
    public async Task Get_watch_streams_changes(string version)
    {
        var ns = "watch-" + version.Replace('.', '-');
        await ApplyCrdsAsync(version);
        await NamespaceAsync(version, ns);
        await KubectlOk(version, "apply -f -", Widget(ns, "first", 1));
        using var watch = _fixture.Clients.Start(KubeClients.Kubectl(version), $"get widgets -n {ns} -w");
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var reader = Task.Run(async () =>
        {
            while (await watch.StandardOutput.ReadLineAsync() is { } line)
            {
                lines.Enqueue(line);
            }
        });
        await Eventually.TrueAsync(() => Task.FromResult(lines.Any(l => l.StartsWith("first", StringComparison.Ordinal))), "the initial row");
        await KubectlOk(version, "apply -f -", Widget(ns, "second", 7));
        await Eventually.TrueAsync(() => Task.FromResult(lines.Any(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^second\s+7"))), "the streamed row of a new object");
        watch.Kill(entireProcessTree: true);
        await reader;
        Assert.Matches(@"^NAME\s+SIZE\s+READY\s+AGE", lines.First());
    }

    [Theory]
    [MemberData(nameof(KubeClients.KubectlVersions), MemberType = typeof(KubeClients))]
    public async Task Create_dry_run_server_validates_without_storing(string version)
    {
        var ns = "dry-" + version.Replace('.', '-');
        await ApplyCrdsAsync(version);
        await NamespaceAsync(version, ns);
        var created = await KubectlOk(version, "create --dry-run=server -o name -f -", Widget(ns, "ghost", 1));
        Assert.Contains("widget.test.kubecloud.io/ghost", created, StringComparison.Ordinal);
        await KubectlOk(version, $"create configmap ghost-cm -n {ns} --from-literal=a=b --dry-run=server");
        Assert.Contains("NotFound", (await _fixture.KubectlAsync(version, $"get widget ghost -n {ns}")).Stderr, StringComparison.Ordinal);
        Assert.Contains("NotFound", (await _fixture.KubectlAsync(version, $"get configmap ghost-cm -n {ns}")).Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(KubeClients.KubectlVersions), MemberType = typeof(KubeClients))]
    public async Task Deleting_a_namespace_removes_what_is_inside(string version)
    {
        var ns = "gone-" + version.Replace('.', '-');
        await ApplyCrdsAsync(version);
        await NamespaceAsync(version, ns);
        await KubectlOk(version, "apply -f -", Widget(ns, "inside", 1));
        await KubectlOk(version, $"create configmap inside -n {ns} --from-literal=a=b");
        await KubectlOk(version, $"delete namespace {ns} --timeout=20s");
        Assert.Contains("NotFound", (await _fixture.KubectlAsync(version, $"get namespace {ns}")).Stderr, StringComparison.Ordinal);
        var (code, _) = await _fixture.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps/inside");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, code);
    }
}
