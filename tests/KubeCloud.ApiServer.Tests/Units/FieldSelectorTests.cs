using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Http;
using KubeCloud.ApiServer.Selectors;

namespace KubeCloud.ApiServer.Tests.Units;

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

    private static readonly JsonObject Event = JsonNode.Parse("""
        {"metadata":{"name":"web.1","namespace":"demo"},"involvedObject":{"kind":"Server","name":"web","namespace":"demo","uid":"u1"},
         "reason":"BootFailed","type":"Warning","source":{"component":"kubecloud-node"}}
        """)!.AsObject();

    /// <summary>What kubectl describe sends to list an object's events.</summary>
    [Theory]
    [InlineData("involvedObject.name=web,involvedObject.namespace=demo,involvedObject.kind=Server,involvedObject.uid=u1", true)]
    [InlineData("involvedObject.name=web,involvedObject.uid=u2", false)]
    [InlineData("reason=BootFailed,type=Warning", true)]
    [InlineData("source=kubecloud-node", true)]
    [InlineData("source=kubelet", false)]
    public void Matches_events(string selector, bool expected) => Assert.Equal(expected, FieldSelector.Parse(selector).Matches(Event));

    [Fact]
    public void Unknown_fields_are_a_bad_request() =>
        Assert.Equal(400, Assert.Throws<ApiException>(() => FieldSelector.Parse("metadata.uid=x")).Code);
}
