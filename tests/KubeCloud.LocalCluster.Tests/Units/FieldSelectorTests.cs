using System.Text.Json.Nodes;
using KubeCloud.LocalCluster.Http;
using KubeCloud.LocalCluster.Selectors;

namespace KubeCloud.LocalCluster.Tests.Units;

public sealed class FieldSelectorTests
{
    private static readonly JsonObject Object = JsonNode.Parse("""{"metadata":{"name":"web","namespace":"demo"},"spec":{"nodeName":"n1"}}""")!.AsObject();

    [Theory]
    [InlineData("metadata.name=web", true)]
    [InlineData("metadata.name==web", true)]
    [InlineData("metadata.name!=web", false)]
    [InlineData("metadata.namespace=demo,metadata.name=web", true)]
    [InlineData("metadata.namespace=other", false)]
    [InlineData("spec.nodeName=n1", true)]
    public void Matches(string selector, bool expected) => Assert.Equal(expected, FieldSelector.Parse(selector).Matches(Object));

    [Fact]
    public void Unknown_fields_are_a_bad_request() =>
        Assert.Equal(400, Assert.Throws<ApiException>(() => FieldSelector.Parse("metadata.uid=x")).Code);
}
