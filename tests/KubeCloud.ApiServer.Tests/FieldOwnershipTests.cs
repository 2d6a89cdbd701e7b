using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Tests.Support;

namespace KubeCloud.ApiServer.Tests;

/// <summary>Field ownership of non-apply writes (operation Update) meeting server-side apply, driven by kubectl 1.32 and 1.33.</summary>
public sealed class FieldOwnershipTests : IClassFixture<ServerFixture>
{
    private const string ApiVersion = "test.kubecloud.io/v1";
    private readonly ServerFixture _fixture;

    public FieldOwnershipTests(ServerFixture fixture)
    {
        _fixture = fixture;
    }

    private static string Data(string path) => Path.Combine(AppContext.BaseDirectory, "TestData", path);

    private static string Arg(string json) => "\"" + json.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static string Widget(string ns, string name, int size) =>
        $"apiVersion: {ApiVersion}\nkind: Widget\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  size: {size}\n";

    private async Task<string> KubectlOk(string version, string arguments, string? stdin = null) =>
        (await _fixture.KubectlAsync(version, arguments, stdin)).EnsureSuccess().Stdout;

    private async Task<string> PrepareAsync(string version, string prefix)
    {
        var ns = prefix + "-" + version.Replace('.', '-');
        await KubectlOk(version, $"apply -f {Data("crds")}");
        var created = await _fixture.KubectlAsync(version, $"create namespace {ns}");
        Assert.True(created.ExitCode == 0 || created.Stderr.Contains("AlreadyExists", StringComparison.Ordinal), created.ToString());
        return ns;
    }

    /// <summary>metadata.managedFields as kubectl shows them, by "manager/operation[/subresource]".</summary>
    private async Task<Dictionary<string, JsonObject>> ManagersAsync(string version, string ns, string name)
    {
        var live = JsonNode.Parse(await KubectlOk(version, $"get widget {name} -n {ns} -o json --show-managed-fields"))!;
        var managers = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var entry in live["metadata"]!["managedFields"]?.AsArray() ?? [])
        {
            var key = $"{entry!["manager"]}/{entry["operation"]}" + (entry["subresource"] is { } sub ? $"/{sub}" : "");
            Assert.Equal("FieldsV1", (string?)entry["fieldsType"]);
            Assert.Equal(ApiVersion, (string?)entry["apiVersion"]);
            Assert.False(string.IsNullOrEmpty((string?)entry["time"]));
            managers.Add(key, entry["fieldsV1"]!.AsObject());
        }

        return managers;
    }

    private static bool OwnsSize(JsonObject fields) => fields["f:spec"]?["f:size"] is not null;

    [Theory]
    [MemberData(nameof(KubeClients.KubectlVersions), MemberType = typeof(KubeClients))]
    public async Task A_patched_field_conflicts_with_server_side_apply_until_forced(string version)
    {
        var ns = await PrepareAsync(version, "own");
        await KubectlOk(version, "create -f -", Widget(ns, "w", 1));
        var created = await ManagersAsync(version, ns, "w");
        // The creator owns the map it added (".") and what is in it, defaults included.
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"f:spec":{".":{},"f:color":{},"f:size":{}}}"""), created["kubectl-create/Update"]), created["kubectl-create/Update"].ToJsonString());

        await KubectlOk(version, $"patch widget w -n {ns} --type=merge -p " + Arg("""{"spec":{"size":3}}"""));
        var patched = await ManagersAsync(version, ns, "w");
        Assert.True(OwnsSize(patched["kubectl-patch/Update"]));
        Assert.False(OwnsSize(patched["kubectl-create/Update"]));

        var conflict = await _fixture.KubectlAsync(version, "apply --server-side -f -", Widget(ns, "w", 5));
        Assert.NotEqual(0, conflict.ExitCode);
        Assert.Contains($"Apply failed with 1 conflict: conflict with \"kubectl-patch\" using {ApiVersion}: .spec.size", conflict.Stderr, StringComparison.Ordinal);
        Assert.Equal("3", await KubectlOk(version, $"get widget w -n {ns} -o jsonpath={{.spec.size}}"));

        // The same value is no conflict: both own the field.
        await KubectlOk(version, "apply --server-side --field-manager=shared -f -", Widget(ns, "w", 3));
        var shared = await ManagersAsync(version, ns, "w");
        Assert.True(OwnsSize(shared["kubectl-patch/Update"]) && OwnsSize(shared["shared/Apply"]));

        // Dry run changes nothing.
        await KubectlOk(version, "apply --server-side --force-conflicts --dry-run=server -f -", Widget(ns, "w", 5));
        Assert.Equal("3", await KubectlOk(version, $"get widget w -n {ns} -o jsonpath={{.spec.size}}"));

        await KubectlOk(version, "apply --server-side --force-conflicts -f -", Widget(ns, "w", 5));
        var forced = await ManagersAsync(version, ns, "w");
        Assert.Equal("5", await KubectlOk(version, $"get widget w -n {ns} -o jsonpath={{.spec.size}}"));
        Assert.True(OwnsSize(forced["kubectl/Apply"]));
        Assert.DoesNotContain("kubectl-patch/Update", forced.Keys);
        Assert.DoesNotContain("shared/Apply", forced.Keys);

        // A status write records its subresource.
        await KubectlOk(version, $"patch widget w -n {ns} --subresource=status --type=merge -p " + Arg("""{"status":{"conditions":[{"type":"Ready","status":"True"}]}}"""));
        var status = await ManagersAsync(version, ns, "w");
        Assert.NotNull(status["kubectl-patch/Update/status"]["f:status"]?["f:conditions"]);
    }

    [Theory]
    [MemberData(nameof(KubeClients.KubectlVersions), MemberType = typeof(KubeClients))]
    public async Task Client_side_apply_then_server_side_apply_takes_over_without_conflict(string version)
    {
        var ns = await PrepareAsync(version, "csa");
        await KubectlOk(version, "apply -f -", Widget(ns, "m", 1));
        Assert.True(OwnsSize((await ManagersAsync(version, ns, "m"))["kubectl-client-side-apply/Update"]));

        Assert.Contains("serverside-applied", await KubectlOk(version, "apply --server-side -f -", Widget(ns, "m", 2)), StringComparison.Ordinal);
        Assert.Equal("2", await KubectlOk(version, $"get widget m -n {ns} -o jsonpath={{.spec.size}}"));
        var migrated = await ManagersAsync(version, ns, "m");
        Assert.True(OwnsSize(migrated["kubectl/Apply"]));
        Assert.DoesNotContain(migrated, m => m.Key != "kubectl/Apply" && OwnsSize(m.Value));

        // A field changed by someone else since the client-side apply is a real conflict.
        await KubectlOk(version, "apply -f -", Widget(ns, "late", 1));
        await KubectlOk(version, $"patch widget late -n {ns} --type=merge -p " + Arg("""{"spec":{"size":4}}"""));
        var conflict = await _fixture.KubectlAsync(version, "apply --server-side -f -", Widget(ns, "late", 2));
        Assert.Contains("conflict with \"kubectl-patch\"", conflict.Stderr, StringComparison.Ordinal);
    }
}
