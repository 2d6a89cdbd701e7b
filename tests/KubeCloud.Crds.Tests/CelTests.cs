using System.Text.Json.Nodes;
using KubeCloud.Crds.Cel;
using KubeCloud.Crds.Validation;

namespace KubeCloud.Crds.Tests;

public sealed class CelTests
{
    public static TheoryData<string> ProjectRules =>
        [.. GeneratedCrds.Files.SelectMany(f => StructuralSchemaValidator.ForCrd(f.Crd).Rules()).Select(r => r.Rule.Rule).Distinct()];

    [Theory]
    [MemberData(nameof(ProjectRules))]
    public void Every_rule_of_the_project_parses(string rule) =>
        Assert.NotNull(CelParser.Parse(rule));

    [Fact]
    public void The_project_crds_contain_no_rule_the_evaluator_cannot_handle()
    {
        var problems = GeneratedCrds.Files
            .SelectMany(f => StructuralSchemaValidator.ForCrd(f.Crd).Rules().Select(r => (f.FileName, r)))
            .Where(x => x.r.Problem.Length > 0)
            .Select(x => $"{x.FileName} {x.r.SchemaPath}: {x.r.Rule.Rule}: {x.r.Problem}")
            .ToList();

        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.True(ProjectRules.Count >= 20);
    }

    // case, rule, self, oldSelf (or empty), expected result ("true", "false" or "error: <message start>")
    public static TheoryData<string, string, string, string, string> Evaluations => new()
    {
        { "field equals old field", "self.x == oldSelf.x", """{"x":1}""", """{"x":1}""", "true" },
        { "field differs from old", "self.x == oldSelf.x", """{"x":1}""", """{"x":2}""", "false" },
        { "object equality", "self == oldSelf", """{"a":{"b":[1,2]},"c":"d"}""", """{"c":"d","a":{"b":[1,2]}}""", "true" },
        { "object inequality in a nested list", "self == oldSelf", """{"a":{"b":[1,2]}}""", """{"a":{"b":[2,1]}}""", "false" },
        { "missing key on one side", "self == oldSelf", """{"a":1}""", """{"a":1,"b":2}""", "false" },
        { "has present", "has(self.x)", """{"x":0}""", "", "true" },
        { "has absent", "has(self.x)", """{}""", "", "false" },
        { "has nested", "has(self.a.b)", """{"a":{"b":true}}""", "", "true" },
        { "has of missing parent is an error", "has(self.a.b)", """{}""", "", "error: no such key: a" },
        { "missing field is an error", "self.x == 1", """{}""", "", "error: no such key: x" },
        { "not", "!self.on", """{"on":false}""", "", "true" },
        { "not of a string is an error", "!self.s", """{"s":"x"}""", "", "error: no such overload: !_(string)" },
        { "and", "self.a && self.b", """{"a":true,"b":false}""", "", "false" },
        { "and absorbs an error when the other side is false", "self.missing && false", """{}""", "", "false" },
        { "and keeps the error otherwise", "self.missing && true", """{}""", "", "error: no such key: missing" },
        { "or", "self.a || self.b", """{"a":false,"b":true}""", "", "true" },
        { "or short-circuits an error on the right", "true || self.missing", """{}""", "", "true" },
        { "or absorbs an error on the left", "self.missing || true", """{}""", "", "true" },
        { "or of two falses", "false || false", """{}""", "", "false" },
        { "not equal strings", "self.t != 'flat'", """{"t":"vxlan"}""", "", "true" },
        { "double-quoted strings", "self.t == \"vx\\\"lan\"", """{"t":"vx\"lan"}""", "", "true" },
        { "heterogeneous equality is false", "self.q == 1", """{"q":"1"}""", "", "false" },
        { "less or equal", "self.id <= 4094", """{"id":4094}""", "", "true" },
        { "less or equal fails", "self.id <= 4094", """{"id":4095}""", "", "false" },
        { "less than", "self.id < 10", """{"id":9}""", "", "true" },
        { "greater than", "self.id > -1", """{"id":0}""", "", "true" },
        { "greater or equal", "self.id >= 10", """{"id":9}""", "", "false" },
        { "string order", "self.a < self.b", """{"a":"abc","b":"abd"}""", "", "true" },
        { "comparing a string with an int is an error", "self.a < 1", """{"a":"x"}""", "", "error: no such overload: _<_(string, int)" },
        { "size of a list", "size(self.l) == 2", """{"l":[1,2]}""", "", "true" },
        { "size of a string counts characters", "size(self.s) == 2", """{"s":"éa"}""", "", "true" },
        { "size of a map", "self.m.size() == 1", """{"m":{"a":"b"}}""", "", "true" },
        { "size of an int is an error", "size(self.i) == 1", """{"i":1}""", "", "error: no such overload: size(int)" },
        { "all true", "self.l.all(x, x > 0)", """{"l":[1,2,3]}""", "", "true" },
        { "all false", "self.l.all(x, x > 1)", """{"l":[1,2,3]}""", "", "false" },
        { "all of an empty list", "self.l.all(x, x > 1)", """{"l":[]}""", "", "true" },
        { "all is false despite an error elsewhere", "self.l.all(x, x.a)", """{"l":[{},{"a":false}]}""", "", "false" },
        { "all keeps the error when nothing is false", "self.l.all(x, x.a)", """{"l":[{},{"a":true}]}""", "", "error: no such key: a" },
        { "all over objects with has", "self.l.all(n, has(n.a) != has(n.b))", """{"l":[{"a":1},{"b":2}]}""", "", "true" },
        { "all over objects with has fails", "self.l.all(n, has(n.a) != has(n.b))", """{"l":[{"a":1,"b":2}]}""", "", "false" },
        { "all over map keys", "self.m.all(k, k != 'x')", """{"m":{"a":1,"b":2}}""", "", "true" },
        { "exists", "self.l.exists(x, x == 2)", """{"l":[1,2]}""", "", "true" },
        { "exists none", "self.l.exists(x, x == 3)", """{"l":[1,2]}""", "", "false" },
        { "exists_one", "self.l.exists_one(x, x == 2)", """{"l":[1,2]}""", "", "true" },
        { "exists_one twice", "self.l.exists_one(x, x == 2)", """{"l":[2,2]}""", "", "false" },
        { "nested comprehension: unique names", "self.all(v, self.exists_one(w, w.n == v.n))", """[{"n":"a"},{"n":"b"}]""", "", "true" },
        { "nested comprehension: duplicate names", "self.all(v, self.exists_one(w, w.n == v.n))", """[{"n":"a"},{"n":"a"}]""", "", "false" },
        { "parentheses and precedence", "!(self.a && self.b) || self.c", """{"a":true,"b":true,"c":false}""", "", "false" },
        { "has equality", "has(self.a) == has(oldSelf.a)", """{"a":1}""", """{}""", "false" },
        { "negative literal", "self.i == -3", """{"i":-3}""", "", "true" },
        { "null literal", "self.n == null", """{"n":null}""", "", "true" },
        { "bool literal equality", "self.b == true", """{"b":true}""", "", "true" },
        { "whole float equals int", "self.d == 2", """{"d":2.5}""", "", "false" },
    };

    [Theory]
    [MemberData(nameof(Evaluations))]
    public void Evaluates_like_cel(string name, string rule, string self, string oldSelf, string expected)
    {
        var expression = CelParser.Parse(rule);
        var selfValue = CelValues.From(JsonNode.Parse(self), null);
        var oldValue = oldSelf.Length == 0 ? null : CelValues.From(JsonNode.Parse(oldSelf), null);

        string actual;
        try
        {
            actual = CelEvaluator.Evaluate(expression, selfValue, oldValue) is true ? "true" : "false";
        }
        catch (CelEvaluationException e)
        {
            actual = "error: " + e.Message;
        }

        Assert.True(actual.StartsWith(expected, StringComparison.Ordinal), $"{name}: {rule} gave {actual}, expected {expected}");
    }

    [Theory]
    [InlineData("set lists compare without order", "set", true)]
    [InlineData("map lists compare without order", "map", true)]
    [InlineData("atomic lists compare in order", "atomic", false)]
    public void List_equality_follows_the_list_type(string name, string listType, bool equal)
    {
        var schema = StructuralSchema.Parse(JsonNode.Parse("""{"type":"object","properties":{"l":{"type":"array","x-kubernetes-list-type":"LISTTYPE","x-kubernetes-list-map-keys":KEYS,"items":{"type":"object","properties":{"k":{"type":"string"}}}}}}"""
            .Replace("LISTTYPE", listType, StringComparison.Ordinal).Replace("KEYS", listType == "map" ? "[\"k\"]" : "[]", StringComparison.Ordinal))!);
        var self = CelValues.From(JsonNode.Parse("""{"l":[{"k":"a"},{"k":"b"}]}"""), schema);
        var old = CelValues.From(JsonNode.Parse("""{"l":[{"k":"b"},{"k":"a"}]}"""), schema);

        Assert.True(equal == (bool)CelEvaluator.Evaluate(CelParser.Parse("self == oldSelf"), self, old), name);
    }

    [Theory]
    [InlineData("arithmetic", "self.a + 1 == 2")]
    [InlineData("multiplication", "self.a * 2 == 2")]
    [InlineData("indexing", "self.l[0] == 1")]
    [InlineData("map indexing", "self.m['a'] == 1")]
    [InlineData("in", "'a' in self.l")]
    [InlineData("conditional", "self.a ? true : false")]
    [InlineData("matches", "self.s.matches('^a$')")]
    [InlineData("startsWith", "self.s.startsWith('a')")]
    [InlineData("global function", "int(self.s) == 1")]
    [InlineData("map macro", "self.l.map(x, x) == self.l")]
    [InlineData("filter macro", "size(self.l.filter(x, x > 1)) == 0")]
    [InlineData("double literal", "self.d == 1.5")]
    [InlineData("uint literal", "self.u == 1u")]
    [InlineData("hex literal", "self.i == 0x10")]
    [InlineData("bytes literal", "self.b == b'x'")]
    [InlineData("raw string", "self.s == r'x'")]
    [InlineData("triple-quoted string", "self.s == '''x'''")]
    [InlineData("unknown escape", "self.s == '\\d'")]
    [InlineData("undeclared variable", "other.x == 1")]
    [InlineData("comprehension variable out of scope", "self.l.all(x, true) && x == 1")]
    [InlineData("has without a field", "has(self)")]
    [InlineData("chained relations", "1 < self.a < 3")]
    [InlineData("list literal", "self.l == [1, 2]")]
    [InlineData("unterminated string", "self.s == 'x")]
    [InlineData("trailing operator", "self.a &&")]
    [InlineData("empty rule", "")]
    [InlineData("optional field", "self.?a == 1")]
    [InlineData("self as a comprehension variable", "self.l.all(self, true)")]
    public void Refuses_what_it_does_not_support(string name, string rule)
    {
        Assert.False(CelParser.TryParse(rule, out _, out var error), $"{name}: {rule} parsed");
        Assert.NotEmpty(error);
    }

    [Theory]
    [InlineData("self.x == oldSelf.x", true)]
    [InlineData("self == oldSelf", true)]
    [InlineData("has(oldSelf.a)", true)]
    [InlineData("self.l.all(x, x == oldSelf.y)", true)]
    [InlineData("has(self.a) || size(self.l) == 0", false)]
    public void Recognises_transition_rules(string rule, bool transition) =>
        Assert.Equal(transition, CelParser.UsesOldSelf(CelParser.Parse(rule)));

    [Fact]
    public void A_rule_outside_the_subset_is_reported_not_guessed()
    {
        var validator = new StructuralSchemaValidator(JsonNode.Parse("""
            {"type":"object","properties":{"spec":{"type":"object","x-kubernetes-validations":[{"rule":"self.a.matches('^x$')"}],"properties":{"a":{"type":"string"}}}}}
            """)!);

        var result = validator.ValidateWithRules(JsonNode.Parse("""{"spec":{"a":"x"}}"""));

        var error = Assert.Single(result.Errors);
        Assert.Equal(FieldErrorType.Internal, error.Type);
        Assert.Single(validator.Rules(), r => r.Problem.Contains("unsupported function 'matches'", StringComparison.Ordinal));
    }

    [Fact]
    public void Transition_rules_on_items_of_an_atomic_list_are_reported_as_uncorrelatable()
    {
        var validator = new StructuralSchemaValidator(JsonNode.Parse("""
            {"type":"object","properties":{"l":{"type":"array","items":{"type":"string","x-kubernetes-validations":[{"rule":"self == oldSelf"}]}}}}
            """)!);

        Assert.Contains("uncorrelatable", Assert.Single(validator.Rules()).Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "spec.x: Invalid value: \"object\": failed rule: self.x == 1")]
    [InlineData("FieldValueForbidden", "spec.x: Forbidden: failed rule: self.x == 1")]
    [InlineData("FieldValueRequired", "spec.x: Required value: failed rule: self.x == 1")]
    [InlineData("FieldValueDuplicate", "spec.x: Duplicate value: \"object\"")]
    public void Reasons_choose_the_error_type(string? reason, string expected)
    {
        var rule = new JsonObject { ["rule"] = " self.x == 1 ", ["fieldPath"] = ".x" };
        if (reason is not null)
        {
            rule["reason"] = reason;
        }

        var validator = new StructuralSchemaValidator(JsonNode.Parse("""
            {"type":"object","properties":{"spec":{"type":"object","x-kubernetes-validations":[RULE],"properties":{"x":{"type":"integer"}}}}}
            """.Replace("RULE", rule.ToJsonString(), StringComparison.Ordinal))!);

        Assert.Equal(expected, Assert.Single(validator.ValidateWithRules(JsonNode.Parse("""{"spec":{"x":2}}""")).Errors).ToString());
    }
}
