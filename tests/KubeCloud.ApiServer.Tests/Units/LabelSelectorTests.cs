using KubeCloud.ApiServer.Http;
using KubeCloud.ApiServer.Selectors;

namespace KubeCloud.ApiServer.Tests.Units;

public sealed class LabelSelectorTests
{
    private static readonly Dictionary<string, string> Labels = new() { ["app"] = "web", ["tier"] = "front", ["kubecloud.io/zone"] = "a" };

    [Theory]
    [InlineData("", true)]
    [InlineData("app=web", true)]
    [InlineData("app==web", true)]
    [InlineData("app=db", false)]
    [InlineData("app!=db", true)]
    [InlineData("app!=web", false)]
    [InlineData("missing!=x", true)]
    [InlineData("tier in (front,back)", true)]
    [InlineData("tier in (back)", false)]
    [InlineData("tier notin (back)", true)]
    [InlineData("tier notin (front, back)", false)]
    [InlineData("missing notin (x)", true)]
    [InlineData("app", true)]
    [InlineData("missing", false)]
    [InlineData("!missing", true)]
    [InlineData("!app", false)]
    [InlineData("app=web,tier in (front),!missing,kubecloud.io/zone", true)]
    [InlineData("app=web,tier=back", false)]
    public void Matches_as_kube_labels_parse(string selector, bool expected) =>
        Assert.Equal(expected, LabelSelectorQuery.Parse(selector).Matches(Labels));

    [Theory]
    [InlineData("app in x")]
    [InlineData("=web")]
    [InlineData("a b=c")]
    public void Refuses_malformed_selectors_with_bad_request(string selector)
    {
        var error = Assert.Throws<ApiException>(() => LabelSelectorQuery.Parse(selector));
        Assert.Equal(400, error.Code);
    }
}
