using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Patching;

namespace KubeCloud.ApiServer.Tests.Units;

/// <summary>Field sets, FieldsV1, what a write changed and who owns what afterwards, as structured-merge-diff computes them.</summary>
public sealed class FieldManagementTests
{
    private static readonly PatchSchema Deployment = PatchSchema.ForDefinition("io.k8s.api.apps.v1.Deployment");
    private static readonly PatchSchema ConfigMap = PatchSchema.ForDefinition("io.k8s.api.core.v1.ConfigMap");

    private const string Web = "k:{\"name\":\"web\"}";
    private const string Containers = "f:spec/f:template/f:spec/f:containers";

    private static JsonObject Json(string text) => JsonNode.Parse(text)!.AsObject();

    private static JsonObject DeploymentConfig(string image = "nginx:1", string args = """["-v"]""") => Json("""
        {"apiVersion":"apps/v1","kind":"Deployment",
         "metadata":{"name":"d","namespace":"n","labels":{"app":"web"},"finalizers":["a"]},
         "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},
                 "template":{"metadata":{"labels":{"app":"web"}},
                             "spec":{"containers":[{"name":"web","image":"IMAGE","args":ARGS}]}}}}
        """.Replace("IMAGE", image, StringComparison.Ordinal).Replace("ARGS", args, StringComparison.Ordinal));

    [Fact]
    public void Applied_field_set_has_leaves_map_keys_list_items_and_atomic_values_but_not_structs_or_system_fields()
    {
        var set = FieldSet.Of(DeploymentConfig(), Deployment);
        string[] expected =
        [
            "f:metadata/f:finalizers/v:\"a\"",
            "f:metadata/f:labels/f:app",
            "f:spec/f:replicas",
            "f:spec/f:selector",
            "f:spec/f:template/f:metadata/f:labels/f:app",
            Containers + "/" + Web,
            Containers + "/" + Web + "/f:args",
            Containers + "/" + Web + "/f:image",
            Containers + "/" + Web + "/f:name",
        ];
        Assert.Equal(expected, set.Paths.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Fields_v1_marks_members_with_children_with_a_dot_and_round_trips()
    {
        var set = FieldSet.Of(DeploymentConfig(), Deployment);
        var fields = set.ToFieldsV1();
        var container = fields["f:spec"]!["f:template"]!["f:spec"]!["f:containers"]![Web]!.AsObject();
        Assert.True(JsonNode.DeepEquals(Json("""{".":{},"f:args":{},"f:image":{},"f:name":{}}"""), container), container.ToJsonString());
        Assert.False(fields["f:spec"]!.AsObject().ContainsKey("."));
        Assert.True(JsonNode.DeepEquals(Json("""{"v:\"a\"":{}}"""), fields["f:metadata"]!["f:finalizers"]));
        Assert.True(JsonNode.DeepEquals(new JsonObject(), fields["f:spec"]!["f:selector"]));
        Assert.True(set.Paths.SetEquals(FieldSet.FromFieldsV1(fields).Paths));
    }

    [Fact]
    public void Creating_adds_every_field_and_new_maps_themselves()
    {
        var change = FieldComparison.Of([], Json("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","labels":{"x":"1"}},"data":{"a":"1"}}"""), ConfigMap);
        Assert.Equal(["f:data", "f:data/f:a", "f:metadata/f:labels", "f:metadata/f:labels/f:x"], change.Added.Paths.Order(StringComparer.Ordinal));
        Assert.True(change.Modified.IsEmpty && change.Removed.IsEmpty);
        Assert.True(JsonNode.DeepEquals(Json("""{"f:data":{".":{},"f:a":{}},"f:metadata":{"f:labels":{".":{},"f:x":{}}}}"""), change.Added.ToFieldsV1()));
    }

    [Fact]
    public void Updating_compares_associative_lists_by_key_sets_by_value_and_atomic_lists_as_one_value()
    {
        var before = DeploymentConfig();
        var after = DeploymentConfig(image: "nginx:2", args: """["-v","-q"]""");
        after["metadata"]!["finalizers"] = new JsonArray("b");
        after["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Add(Json("""{"name":"side","image":"busybox"}"""));
        after["spec"]!.AsObject().Remove("replicas");
        var change = FieldComparison.Of(before, after, Deployment);
        const string Side = Containers + "/k:{\"name\":\"side\"}";
        Assert.Equal(["f:metadata/f:finalizers/v:\"b\"", Side, Side + "/f:image", Side + "/f:name"], change.Added.Paths.Order(StringComparer.Ordinal));
        Assert.Equal([Containers + "/" + Web + "/f:args", Containers + "/" + Web + "/f:image"], change.Modified.Paths.Order(StringComparer.Ordinal));
        Assert.Equal(["f:metadata/f:finalizers/v:\"a\"", "f:spec/f:replicas"], change.Removed.Paths.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void An_update_takes_changed_fields_from_other_managers_and_drops_managers_left_with_nothing()
    {
        var live = Json("""{"metadata":{"name":"c"},"data":{"a":"1","b":"2"}}""");
        var managed = ManagedFields.Parse(new JsonArray(
            Json("""{"manager":"kubectl","operation":"Apply","apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:a":{}}}}"""),
            Json("""{"manager":"helm","operation":"Update","apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:b":{}}}}""")));
        var updated = Json("""{"metadata":{"name":"c"},"data":{"a":"9"}}""");
        managed.RecordUpdate(FieldComparison.Of(live, updated, ConfigMap), "kubectl-edit", "v1", "");
        var entry = Assert.Single(managed.Entries);
        Assert.Equal(("kubectl-edit", "Update"), (entry.Manager, entry.Operation));
        Assert.Equal(["f:data/f:a"], entry.Fields.Paths);
        Assert.NotNull(entry.Time);

        // A write that changes nothing records nothing.
        managed.RecordUpdate(FieldComparison.Of(updated, updated, ConfigMap), "kubectl-label", "v1", "");
        Assert.Equal("kubectl-edit", Assert.Single(managed.Entries).Manager);
    }

    [Fact]
    public void Conflicts_read_as_kube_apiserver_words_them()
    {
        var patcher = new FieldManagerEntry("kubectl-patch", "Update", "apps/v1", "", null, new FieldSet());
        var applier = new FieldManagerEntry("other", "Apply", "apps/v1", "", null, new FieldSet());
        var status = new FieldManagerEntry("ctrl", "Update", "apps/v1", "status", null, new FieldSet());
        var one = ServerSideApply.Conflict([(patcher, "f:spec/f:replicas")]);
        Assert.Equal(409, one.Code);
        Assert.Equal("Apply failed with 1 conflict: conflict with \"kubectl-patch\" using apps/v1: .spec.replicas", one.Status.Message);
        var cause = Assert.Single(one.Status.Details!.Causes!);
        Assert.Equal(("FieldManagerConflict", "conflict with \"kubectl-patch\" using apps/v1", ".spec.replicas"), (cause.Reason, cause.Message, cause.Field));
        var many = ServerSideApply.Conflict([(applier, Containers + "/" + Web + "/f:image"), (applier, "f:metadata/f:finalizers/v:\"a\""), (status, "f:status/f:replicas")]);
        Assert.Equal(
            "Apply failed with 3 conflicts: conflicts with \"ctrl\" with subresource \"status\" using apps/v1:\n- .status.replicas\nconflicts with \"other\":\n- .metadata.finalizers[=\"a\"]\n- .spec.template.spec.containers[name=\"web\"].image",
            many.Status.Message);
    }

    [Fact]
    public void Field_names_with_slashes_and_list_map_keys_round_trip_through_fields_v1()
    {
        var obj = Json("""
            {"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}"}},
             "spec":{"template":{"spec":{"containers":[{"name":"web","ports":[{"containerPort":80,"protocol":"TCP"}]}]}}}}
            """);
        var set = FieldSet.Of(obj, Deployment);
        const string Annotation = "f:metadata/f:annotations/f:kubectl.kubernetes.io~1last-applied-configuration";
        Assert.Contains(Annotation, set.Paths);
        Assert.Contains(Containers + "/" + Web + "/f:ports/k:{\"containerPort\":80,\"protocol\":\"TCP\"}", set.Paths);
        var fields = set.ToFieldsV1();
        Assert.NotNull(fields["f:metadata"]!["f:annotations"]!["f:kubectl.kubernetes.io/last-applied-configuration"]);
        Assert.True(set.Paths.SetEquals(FieldSet.FromFieldsV1(fields).Paths));
        Assert.Equal(".metadata.annotations.kubectl.kubernetes.io/last-applied-configuration", FieldSet.Describe(Annotation));
        Assert.True(FieldSet.Remove(obj, Annotation));
        Assert.Empty(obj["metadata"]!["annotations"]!.AsObject());
    }
}
