using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Auth;

namespace KubeCloud.ApiServer.Auth.Tests;

public sealed class JsonPatchTests
{
    public sealed record Case(string Name, string Document, string Patch, string? Expected, string? Error = null)
    {
        public override string ToString() => Name;
    }

    // Mostly the examples of RFC 6902 appendix A.
    public static TheoryData<Case> Cases() =>
    [
        new("add an object member", """{"foo":"bar"}""", """[{"op":"add","path":"/baz","value":"qux"}]""", """{"foo":"bar","baz":"qux"}"""),
        new("add an array element", """{"foo":["bar","baz"]}""", """[{"op":"add","path":"/foo/1","value":"qux"}]""", """{"foo":["bar","qux","baz"]}"""),
        new("add to the end with -", """{"foo":[1]}""", """[{"op":"add","path":"/foo/-","value":2}]""", """{"foo":[1,2]}"""),
        new("add replaces an existing member", """{"foo":1}""", """[{"op":"add","path":"/foo","value":2}]""", """{"foo":2}"""),
        new("add a nested member", """{"foo":"bar"}""", """[{"op":"add","path":"/child","value":{"grandchild":{}}}]""", """{"foo":"bar","child":{"grandchild":{}}}"""),
        new("add to a missing parent fails", """{"foo":"bar"}""", """[{"op":"add","path":"/baz/bat","value":"qux"}]""", null, "add operation does not apply: doc is missing path: \"/baz/bat\": missing value"),
        new("add past the end of an array fails", """{"foo":[1]}""", """[{"op":"add","path":"/foo/3","value":2}]""", null, "add operation does not apply: doc is missing path: \"/foo/3\""),
        new("remove an object member", """{"baz":"qux","foo":"bar"}""", """[{"op":"remove","path":"/baz"}]""", """{"foo":"bar"}"""),
        new("remove an array element", """{"foo":["bar","qux","baz"]}""", """[{"op":"remove","path":"/foo/1"}]""", """{"foo":["bar","baz"]}"""),
        new("remove a missing member fails", """{"foo":1}""", """[{"op":"remove","path":"/bar"}]""", null, "remove operation does not apply: doc is missing path: \"/bar\": missing value"),
        new("replace a value", """{"baz":"qux","foo":"bar"}""", """[{"op":"replace","path":"/baz","value":"boo"}]""", """{"baz":"boo","foo":"bar"}"""),
        new("replace the whole document", """{"a":1}""", """[{"op":"replace","path":"","value":{"b":2}}]""", """{"b":2}"""),
        new("replace a missing member fails", """{"a":1}""", """[{"op":"replace","path":"/b","value":2}]""", null, "replace operation does not apply: doc is missing key: /b: missing value"),
        new("move a value", """{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}""",
            """[{"op":"move","from":"/foo/waldo","path":"/qux/thud"}]""",
            """{"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}}"""),
        new("move an array element", """{"foo":["all","grass","cows","eat"]}""", """[{"op":"move","from":"/foo/1","path":"/foo/3"}]""",
            """{"foo":["all","cows","eat","grass"]}"""),
        new("move into its own child fails", """{"a":{"b":1}}""", """[{"op":"move","from":"/a","path":"/a/c"}]""", null, "is a child of"),
        new("copy a value", """{"a":{"b":1}}""", """[{"op":"copy","from":"/a","path":"/c"}]""", """{"a":{"b":1},"c":{"b":1}}"""),
        new("test passes", """{"baz":"qux","foo":["a",2,"c"]}""",
            """[{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}]""",
            """{"baz":"qux","foo":["a",2,"c"]}"""),
        new("test fails", """{"baz":"qux"}""", """[{"op":"test","path":"/baz","value":"bar"}]""", null, "testing value /baz failed: test failed"),
        new("test compares numbers by value", """{"n":1.0}""", """[{"op":"test","path":"/n","value":1}]""", """{"n":1.0}"""),
        new("escaped pointer tokens", """{"/":9,"~1":10}""", """[{"op":"replace","path":"/~01","value":11},{"op":"remove","path":"/~1"}]""", """{"~1":11}"""),
        new("label with a slash, as webhooks write it", """{"metadata":{"labels":{}}}""",
            """[{"op":"add","path":"/metadata/labels/kubecloud.io~1project","value":"demo"}]""",
            """{"metadata":{"labels":{"kubecloud.io/project":"demo"}}}"""),
        new("add a null value", """{}""", """[{"op":"add","path":"/a","value":null}]""", """{"a":null}"""),
        new("unknown op fails", """{}""", """[{"op":"frobnicate","path":"/a"}]""", null, "Unexpected kind: frobnicate"),
        new("leading zero index fails", """{"a":[1,2]}""", """[{"op":"remove","path":"/a/01"}]""", null, "remove operation does not apply: doc is missing path: \"/a/01\""),
        new("add without value fails", """{}""", """[{"op":"add","path":"/a"}]""", null, "has no \"value\""),
    ];

    [Fact]
    public void A_patch_that_is_not_an_array_is_malformed()
    {
        var error = Assert.Throws<JsonPatchException>(() => JsonPatch.Apply(JsonNode.Parse("{}"), JsonNode.Parse("""{"op":"add"}""")));
        Assert.Equal(JsonPatchErrorKind.Malformed, error.Kind);
    }

    [Fact]
    public void A_failed_test_says_so()
    {
        var error = Assert.Throws<JsonPatchException>(() => JsonPatch.Apply(JsonNode.Parse("""{"a":1}"""), JsonNode.Parse("""[{"op":"test","path":"/a","value":2}]""")));
        Assert.Equal(JsonPatchErrorKind.TestFailed, error.Kind);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Applies_RFC_6902(Case @case)
    {
        var document = JsonNode.Parse(@case.Document);
        var patch = JsonNode.Parse(@case.Patch)!.AsArray();
        var before = document!.ToJsonString();

        if (@case.Error is not null)
        {
            var error = Assert.Throws<JsonPatchException>(() => JsonPatch.Apply(document, patch));
            Assert.Contains(@case.Error, error.Message);
        }
        else
        {
            var result = JsonPatch.Apply(document, patch);
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(@case.Expected!), result), result?.ToJsonString());
        }

        Assert.Equal(before, document.ToJsonString());
    }
}
