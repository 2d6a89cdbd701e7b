using KubeCloud.Kube.Models;

namespace KubeCloud.Kube.Models.Tests;

public sealed class LabelSelectorTests
{
    private static readonly Dictionary<string, string> Labels = new() { ["app"] = "web", ["tier"] = "front" };

    public static TheoryData<string, V1LabelSelector?, bool> Structured => new()
    {
        { "null selects everything", null, true },
        { "empty selects everything", new V1LabelSelector(), true },
        { "matchLabels equal", new V1LabelSelector { MatchLabels = new() { ["app"] = "web" } }, true },
        { "matchLabels differ", new V1LabelSelector { MatchLabels = new() { ["app"] = "db" } }, false },
        { "In", Expression("tier", "In", "front", "back"), true },
        { "In without the value", Expression("tier", "In", "back"), false },
        { "NotIn", Expression("tier", "NotIn", "back"), true },
        { "NotIn on a missing key", Expression("zone", "NotIn", "a"), true },
        { "Exists", Expression("app", "Exists"), true },
        { "DoesNotExist", Expression("app", "DoesNotExist"), false },
        {
            "labels and expressions are ANDed",
            new V1LabelSelector { MatchLabels = new() { ["app"] = "web" }, MatchExpressions = [new() { Key = "tier", Operator = "In", Values = ["back"] }] },
            false
        },
    };

    [Theory]
    [MemberData(nameof(Structured))]
    public void Matches_a_metav1_label_selector(string name, V1LabelSelector? selector, bool expected)
    {
        _ = name;
        Assert.Equal(expected, LabelSelector.FromLabelSelector(selector).Matches(Labels));
    }

    [Fact]
    public void Refuses_an_unknown_operator() =>
        Assert.Throws<ArgumentException>(() => LabelSelector.FromLabelSelector(Expression("app", "Near")));

    [Theory]
    [InlineData("app=web,tier in (front)", true)]
    [InlineData("app!=web", false)]
    [InlineData("!zone", true)]
    public void Matches_the_string_form(string text, bool expected) =>
        Assert.Equal(expected, LabelSelector.Parse(text).Matches(Labels));

    [Fact]
    public void Refuses_a_malformed_string_with_kube_message()
    {
        var error = Assert.Throws<FormatException>(() => LabelSelector.Parse("app in x"));
        Assert.Equal("unable to parse requirement: found 'app in x', expected: identifier", error.Message);
    }

    private static V1LabelSelector Expression(string key, string op, params string[] values) =>
        new() { MatchExpressions = [new V1LabelSelectorRequirement { Key = key, Operator = op, Values = [.. values] }] };
}
