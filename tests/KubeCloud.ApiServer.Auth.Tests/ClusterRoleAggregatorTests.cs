using System.Text.Json.Nodes;
using k8s.Models;
using KubeCloud.ApiServer.Auth;
using static KubeCloud.ApiServer.Auth.Tests.Build;

namespace KubeCloud.ApiServer.Auth.Tests;

public sealed class ClusterRoleAggregatorTests
{
    private static V1AggregationRule Selecting(params V1LabelSelector[] selectors) => new() { ClusterRoleSelectors = [.. selectors] };

    private static V1LabelSelector Labels(string key, string value) => new() { MatchLabels = new Dictionary<string, string>() { [key] = value } };

    private static List<string> RuleResources(JsonObject role) =>
        [.. KubeJson.Deserialize<V1ClusterRole>(role)!.Rules!.SelectMany(r => r.Resources ?? r.NonResourceURLs!)];

    [Fact]
    public void Bootstrap_admin_edit_view_aggregate_project_roles_to_a_fixed_point()
    {
        var cluster = new InMemoryObjectSource(BootstrapPolicy.ClusterRoles());
        cluster.Put(LabelledClusterRole("kubecloud-reader", new() { [BootstrapPolicy.AggregateToView] = "true" }, null, Rule("get,list,watch", "kubecloud.io", "servers")));
        cluster.Put(LabelledClusterRole("kubecloud-member", new() { [BootstrapPolicy.AggregateToEdit] = "true" }, null, Rule("use", "kubecloud.io", "networks")));
        cluster.Put(LabelledClusterRole("kubecloud-admin", new() { [BootstrapPolicy.AggregateToAdmin] = "true" }, null, Rule("update", "kubecloud.io", "projectquotas")));

        var updated = new ClusterRoleAggregator(cluster).Aggregate().ToDictionary(r => (string)r["metadata"]!["name"]!);

        Assert.Equal(["admin", "edit", "view"], updated.Keys.Order());
        Assert.Contains("servers", RuleResources(updated["view"]));
        Assert.DoesNotContain("networks", RuleResources(updated["view"]));
        Assert.Contains("servers", RuleResources(updated["edit"]));
        Assert.Contains("networks", RuleResources(updated["edit"]));
        Assert.Contains("projectquotas", RuleResources(updated["admin"]));
        Assert.Contains("networks", RuleResources(updated["admin"]));
        Assert.Contains("rolebindings", RuleResources(updated["admin"]));

        foreach (var role in updated.Values)
        {
            cluster.Put(role);
        }

        Assert.Empty(new ClusterRoleAggregator(cluster).Aggregate());

        var member = Request(Person("alice"), "use", "kubecloud.io", "networks", "demo", "net");
        cluster.Put(RoleBinding("demo", "alice", "ClusterRole", "edit", User("alice")));
        Assert.True(new RbacAuthorizer(cluster).Authorize(member).Allowed);
    }

    [Theory]
    [InlineData("In", "a,b", true)]
    [InlineData("In", "b", false)]
    [InlineData("NotIn", "b", true)]
    [InlineData("NotIn", "a", false)]
    [InlineData("Exists", null, true)]
    [InlineData("DoesNotExist", null, false)]
    public void Match_expressions_select_roles(string op, string? values, bool selected)
    {
        var selector = new V1LabelSelector
        {
            MatchExpressions = [new V1LabelSelectorRequirement { Key = "tier", OperatorProperty = op, Values = values?.Split(',').ToList() }],
        };
        var updated = ClusterRoleAggregator.Aggregate(
        [
            LabelledClusterRole("aggregate", null, Selecting(selector)),
            LabelledClusterRole("part", new() { ["tier"] = "a" }, null, Rule("get", "", "pods")),
        ]);

        Assert.Equal(selected, updated.Count == 1);
    }

    [Fact]
    public void Duplicate_rules_are_dropped_and_the_role_itself_is_skipped()
    {
        var rule = Rule("get", "", "pods");
        var updated = ClusterRoleAggregator.Aggregate(
        [
            LabelledClusterRole("all", new() { ["x"] = "1" }, Selecting(Labels("x", "1")), rule),
            LabelledClusterRole("one", new() { ["x"] = "1" }, null, rule),
            LabelledClusterRole("two", new() { ["x"] = "1" }, null, rule, Rule("list", "", "pods")),
        ]);

        var all = KubeJson.Deserialize<V1ClusterRole>(Assert.Single(updated))!;
        Assert.Equal(2, all.Rules!.Count);
        Assert.Equal(["get"], all.Rules[0].Verbs!);
        Assert.Equal(["list"], all.Rules[1].Verbs!);
    }

    [Fact]
    public void A_role_whose_parts_are_gone_ends_with_no_rules()
    {
        var updated = ClusterRoleAggregator.Aggregate(
            [LabelledClusterRole("all", null, Selecting(Labels("x", "1")), Rule("get", "", "pods"))]);

        Assert.Empty(Assert.Single(updated)["rules"]!.AsArray());
    }
}
