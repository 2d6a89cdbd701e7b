using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Patching;

namespace KubeCloud.ApiServer.Tests.Units;

public sealed class PatchTests
{
    private static JsonObject Json(string text) => JsonNode.Parse(text)!.AsObject();

    private static void Same(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"expected {expected}\nactual   {actual?.ToJsonString()}");

    [Theory]
    [InlineData("""{"a":1,"b":{"c":2,"d":3}}""", """{"b":{"c":null,"e":4},"f":[1]}""", """{"a":1,"b":{"d":3,"e":4},"f":[1]}""")]
    [InlineData("""{"a":[1,2]}""", """{"a":[3]}""", """{"a":[3]}""")]
    [InlineData("""{"a":{"b":1}}""", """{"a":"x"}""", """{"a":"x"}""")]
    public void Merge_patch_follows_rfc7386(string target, string patch, string expected) =>
        Same(expected, JsonMergePatch.Apply(Json(target), JsonNode.Parse(patch)));

    private static readonly PatchSchema Deployment = PatchSchema.ForDefinition("io.k8s.api.apps.v1.Deployment");

    private const string Live = """
        {"spec":{"template":{"spec":{"containers":[
          {"name":"web","image":"nginx:1","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]},
          {"name":"side","image":"busybox"}],
          "volumes":[{"name":"v","emptyDir":{}}]}}},
         "metadata":{"finalizers":["a","b"],"labels":{"x":"1"}}}
        """;

    [Fact]
    public void Strategic_patch_merges_lists_by_their_merge_key()
    {
        var result = StrategicMergePatch.Apply(Json(Live), Json("""
            {"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:2","env":[{"name":"B","value":"3"}]}]}}}}
            """), Deployment);
        var containers = result["spec"]!["template"]!["spec"]!["containers"]!.AsArray();
        Assert.Equal(2, containers.Count);
        Same("""{"name":"web","image":"nginx:2","env":[{"name":"A","value":"1"},{"name":"B","value":"3"}]}""", containers[0]);
    }

    [Fact]
    public void Strategic_patch_directives_delete_replace_order_and_retain()
    {
        var result = StrategicMergePatch.Apply(Json(Live), Json("""
            {"spec":{"template":{"spec":{
               "$setElementOrder/containers":[{"name":"side"},{"name":"web"}],
               "containers":[{"name":"web","env":[{"name":"A","$patch":"delete"}]}],
               "volumes":[{"name":"v","$retainKeys":["name","hostPath"],"hostPath":{"path":"/d"}}]}}},
             "metadata":{"$deleteFromPrimitiveList/finalizers":["a"],"labels":{"$patch":"replace","y":"2"}}}
            """), Deployment);
        var spec = result["spec"]!["template"]!["spec"]!;
        Assert.Equal(["side", "web"], spec["containers"]!.AsArray().Select(c => (string?)c!["name"]));
        Same("""[{"name":"B","value":"2"}]""", spec["containers"]![1]!["env"]);
        Same("""[{"name":"v","hostPath":{"path":"/d"}}]""", spec["volumes"]);
        Same("""["b"]""", result["metadata"]!["finalizers"]);
        Same("""{"y":"2"}""", result["metadata"]!["labels"]);
    }

    [Fact]
    public void Strategic_patch_replaces_lists_without_a_strategy_and_unions_primitive_merge_lists()
    {
        var result = StrategicMergePatch.Apply(Json("""{"spec":{"template":{"spec":{"containers":[{"name":"c","args":["a","b"]}]}}},"metadata":{"finalizers":["a"]}}"""),
            Json("""{"spec":{"template":{"spec":{"containers":[{"name":"c","args":["z"]}]}}},"metadata":{"finalizers":["b"]}}"""), Deployment);
        Same("""["z"]""", result["spec"]!["template"]!["spec"]!["containers"]![0]!["args"]);
        Same("""["a","b"]""", result["metadata"]!["finalizers"]);
    }

    [Fact]
    public void Field_sets_round_trip_through_fields_v1()
    {
        var set = FieldSet.Of(Json("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","labels":{"a":"1"}},"data":{"k":"v"}}"""), PatchSchema.ForDefinition("io.k8s.api.core.v1.ConfigMap"));
        Assert.Equal(["f:data/f:k", "f:metadata/f:labels/f:a"], set.Paths.Order(StringComparer.Ordinal));
        var back = FieldSet.FromFieldsV1(set.ToFieldsV1());
        Assert.True(set.Paths.SetEquals(back.Paths));
        var keyed = FieldSet.Of(Json(Live), Deployment);
        Assert.Contains("f:spec/f:template/f:spec/f:containers/k:{\"name\":\"web\"}/f:image", keyed.Paths);
    }
}
