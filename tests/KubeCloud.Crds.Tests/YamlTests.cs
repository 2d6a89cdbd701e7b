using System.Text.Json.Nodes;
using KubeCloud.Crds.Yaml;

namespace KubeCloud.Crds.Tests;

public sealed class YamlTests
{
    [Theory]
    [InlineData("plain", false)]
    [InlineData("Running", false)]
    [InlineData("^[a-z]+$", false)]
    [InlineData("", true)]
    [InlineData("true", true)]
    [InlineData("True", true)]
    [InlineData("yes", true)]
    [InlineData("on", true)]
    [InlineData("n", true)]
    [InlineData("null", true)]
    [InlineData("~", true)]
    [InlineData("0", true)]
    [InlineData("1450", true)]
    [InlineData("-1", true)]
    [InlineData("1.5", true)]
    [InlineData("1e3", true)]
    [InlineData(".5", true)]
    [InlineData("0x1F", true)]
    [InlineData("1_000", true)]
    [InlineData(".inf", true)]
    [InlineData("12:30", true)]
    [InlineData("2026-01-02", true)]
    [InlineData(" padded", true)]
    [InlineData("10Gi", false)]
    [InlineData("1.2.3", false)]
    public void Strings_that_would_read_back_as_something_else_are_quoted(string text, bool quoted) =>
        Assert.Equal(quoted, CrdYamlWriter.NeedsQuotes(text));

    [Fact]
    public void Writes_block_style_in_tree_order_with_a_header()
    {
        var tree = JsonNode.Parse("""{"b":1,"a":{"list":["x","true",""],"empty":{},"none":[],"flag":false,"text":"a: b","multi":"l1\nl2\n"}}""")!;

        var yaml = CrdYamlWriter.Write(tree);

        Assert.Equal(
            CrdYamlWriter.Header +
            "b: 1\n" +
            "a:\n" +
            "  list:\n" +
            "  - x\n" +
            "  - 'true'\n" +
            "  - ''\n" +
            "  empty: {}\n" +
            "  none: []\n" +
            "  flag: false\n" +
            "  text: 'a: b'\n" +
            "  multi: |\n" +
            "    l1\n" +
            "    l2\n",
            yaml);
        Assert.DoesNotContain("---", yaml, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_generated_crd_reads_back_to_the_same_tree()
    {
        foreach (var file in GeneratedCrds.Files)
        {
            var read = YamlJsonReader.Read(file.Yaml);

            Assert.True(JsonNode.DeepEquals(file.Crd, read), file.FileName);
        }
    }

    [Theory]
    [InlineData("a: 1", """{"a":1}""")]
    [InlineData("a: -12", """{"a":-12}""")]
    [InlineData("a: 1.5", """{"a":1.5}""")]
    [InlineData("a: '1'", """{"a":"1"}""")]
    [InlineData("a: \"true\"", """{"a":"true"}""")]
    [InlineData("a: yes", """{"a":true}""")]
    [InlineData("a: Off", """{"a":false}""")]
    [InlineData("a: n", """{"a":false}""")] // YAML 1.1, as kubectl reads it: quote such names
    [InlineData("a: ~", """{"a":null}""")]
    [InlineData("a:", """{"a":null}""")]
    [InlineData("a: !!str 12", """{"a":"12"}""")]
    [InlineData("a: 10Gi", """{"a":"10Gi"}""")]
    [InlineData("a: 0x10", """{"a":16}""")]
    [InlineData("a: [x, 2]", """{"a":["x",2]}""")]
    [InlineData("a: {b: c}", """{"a":{"b":"c"}}""")]
    [InlineData("a: |\n  l1\n  l2\n", """{"a":"l1\nl2\n"}""")]
    public void Reads_scalars_as_kubectl_does(string yaml, string json) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(json), YamlJsonReader.Read(yaml)), YamlJsonReader.Read(yaml).ToJsonString());

    [Fact]
    public void Reads_every_document_of_a_stream() =>
        Assert.Equal(3, YamlJsonReader.ReadAll("---\na: 1\n---\nb: 2\n---\n# only a comment\n---\nc: 3\n").Count);

    [Fact]
    public void Refuses_duplicate_keys() =>
        Assert.Throws<FormatException>(() => YamlJsonReader.Read("a: 1\na: 2\n"));
}
