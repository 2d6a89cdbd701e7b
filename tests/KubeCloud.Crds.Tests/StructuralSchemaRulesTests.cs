using System.Text.Json.Nodes;
using KubeCloud.Crds.Validation;

namespace KubeCloud.Crds.Tests;

public sealed class StructuralSchemaRulesTests
{
    public static TheoryData<string> KindNames => [.. GeneratedCrds.Files.Select(f => f.Crd["spec"]!["names"]!["kind"]!.GetValue<string>())];

    [Theory]
    [MemberData(nameof(KindNames))]
    public void Every_generated_crd_is_structural(string kind)
    {
        var schema = GeneratedCrds.Crd(kind)["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!;

        var errors = StructuralSchemaRules.Check(schema);

        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Theory]
    [MemberData(nameof(KindNames))]
    public void Every_node_is_typed_and_every_default_is_valid_against_its_own_schema(string kind)
    {
        var schema = GeneratedCrds.Crd(kind)["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!.AsObject();
        var problems = new List<string>();

        Walk(schema, "openAPIV3Schema", problems);

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    private static void Walk(JsonObject node, string path, List<string> problems)
    {
        var typed = node.ContainsKey("type") || node["x-kubernetes-int-or-string"]?.GetValue<bool>() == true;
        if (!typed)
        {
            problems.Add($"{path}: no type");
        }

        if (node.ContainsKey("properties") && node.ContainsKey("additionalProperties"))
        {
            problems.Add($"{path}: additionalProperties beside properties");
        }

        if (node.TryGetPropertyValue("default", out var defaultValue))
        {
            var own = (JsonObject)node.DeepClone();
            own.Remove("default");
            var result = new StructuralSchemaValidator(own).Validate(defaultValue?.DeepClone(), UnknownFieldMode.Strict);
            if (!result.IsValid)
            {
                problems.Add($"{path}.default: {result}");
            }
        }

        foreach (var (name, child) in node["properties"]?.AsObject() ?? [])
        {
            Walk(child!.AsObject(), $"{path}.properties[{name}]", problems);
        }

        if (node["items"] is JsonObject items)
        {
            Walk(items, path + ".items", problems);
        }

        if (node["additionalProperties"] is JsonObject additional)
        {
            Walk(additional, path + ".additionalProperties", problems);
        }
    }

    public static TheoryData<string, string, string> NotStructural => new()
    {
        { "untyped field", """{"type":"object","properties":{"spec":{"properties":{"a":{"type":"string"}}}}}""", "openAPIV3Schema.properties[spec].type: Required value" },
        { "untyped leaf", """{"type":"object","properties":{"spec":{"type":"object","properties":{"a":{}}}}}""", "openAPIV3Schema.properties[spec].properties[a].type: Required value" },
        { "root not object", """{"type":"string"}""", "openAPIV3Schema.type: Invalid value" },
        { "unknown type", """{"type":"object","properties":{"a":{"type":"date"}}}""", "openAPIV3Schema.properties[a].type: Unsupported value: \"date\"" },
        { "properties beside additionalProperties", """{"type":"object","properties":{"a":{"type":"object","properties":{"b":{"type":"string"}},"additionalProperties":{"type":"string"}}}}""", "openAPIV3Schema.properties[a].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive" },
        { "additionalProperties false", """{"type":"object","properties":{"a":{"type":"object","additionalProperties":false}}}""", "openAPIV3Schema.properties[a].additionalProperties: Forbidden" },
        { "array without items", """{"type":"object","properties":{"a":{"type":"array"}}}""", "openAPIV3Schema.properties[a].items: Required value" },
        { "type in anyOf", """{"type":"object","properties":{"a":{"type":"string","anyOf":[{"type":"string"}]}}}""", "openAPIV3Schema.properties[a].anyOf[0].type: Forbidden: must be empty to be structural" },
        { "description in allOf", """{"type":"object","properties":{"a":{"type":"string","allOf":[{"description":"x"}]}}}""", "openAPIV3Schema.properties[a].allOf[0].description: Forbidden" },
        { "default in oneOf", """{"type":"object","properties":{"a":{"type":"string","oneOf":[{"default":"x"}]}}}""", "openAPIV3Schema.properties[a].oneOf[0].default: Forbidden" },
        { "nullable in not", """{"type":"object","properties":{"a":{"type":"string","not":{"nullable":true}}}}""", "openAPIV3Schema.properties[a].not.nullable: Forbidden" },
        { "int-or-string with type", """{"type":"object","properties":{"a":{"type":"string","x-kubernetes-int-or-string":true}}}""", "openAPIV3Schema.properties[a].type: Invalid value: \"string\": must be empty if x-kubernetes-int-or-string is true" },
        { "metadata restricting labels", """{"type":"object","properties":{"metadata":{"type":"object","properties":{"labels":{"type":"object"}}}}}""", "openAPIV3Schema.properties[metadata].properties[labels]: Forbidden" },
        { "metadata with a default name", """{"type":"object","properties":{"metadata":{"type":"object","properties":{"name":{"type":"string","default":"x"}}}}}""", "openAPIV3Schema.properties[metadata].properties[name].default: Forbidden" },
        { "default of the wrong type", """{"type":"object","properties":{"a":{"type":"integer","default":"x"}}}""", "openAPIV3Schema.properties[a].default: Invalid value: \"string\"" },
        { "default out of range", """{"type":"object","properties":{"a":{"type":"integer","minimum":1,"default":0}}}""", "greater than or equal to 1" },
        { "default with an unknown field", """{"type":"object","properties":{"a":{"type":"object","properties":{"b":{"type":"string"}},"default":{"c":"x"}}}}""", "openAPIV3Schema.properties[a].default.c: Invalid value" },
        { "default not in enum", """{"type":"object","properties":{"a":{"type":"string","enum":["x"],"default":"y"}}}""", "Unsupported value: \"y\"" },
        { "null default", """{"type":"object","properties":{"a":{"type":"string","default":null}}}""", "openAPIV3Schema.properties[a].default: Required value" },
        { "list map key not required", """{"type":"object","properties":{"a":{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["k"],"items":{"type":"object","properties":{"k":{"type":"string"}}}}}}""", "openAPIV3Schema.properties[a].items.properties[k]: Required value: all map keys must be required or have a default value" },
        { "list map key not scalar", """{"type":"object","properties":{"a":{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["k"],"items":{"type":"object","required":["k"],"properties":{"k":{"type":"object"}}}}}}""", "openAPIV3Schema.properties[a].items.properties[k].type: Invalid value" },
        { "list map without keys", """{"type":"object","properties":{"a":{"type":"array","x-kubernetes-list-type":"map","items":{"type":"object"}}}}""", "openAPIV3Schema.properties[a].x-kubernetes-list-map-keys: Required value" },
        { "list map of strings", """{"type":"object","properties":{"a":{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["k"],"items":{"type":"string"}}}}""", "openAPIV3Schema.properties[a].items.type: Invalid value" },
        { "set of objects", """{"type":"object","properties":{"a":{"type":"array","x-kubernetes-list-type":"set","items":{"type":"object"}}}}""", "openAPIV3Schema.properties[a].items.type: Invalid value: \"object\": must be a scalar type" },
        { "map keys without map", """{"type":"object","properties":{"a":{"type":"array","x-kubernetes-list-map-keys":["k"],"items":{"type":"string"}}}}""", "x-kubernetes-list-map-keys: Forbidden" },
        { "unknown list type", """{"type":"object","properties":{"a":{"type":"array","x-kubernetes-list-type":"bag","items":{"type":"string"}}}}""", "x-kubernetes-list-type: Unsupported value: \"bag\"" },
        { "uniqueItems", """{"type":"object","properties":{"a":{"type":"array","uniqueItems":true,"items":{"type":"string"}}}}""", "openAPIV3Schema.properties[a].uniqueItems: Forbidden" },
        { "$ref", """{"type":"object","properties":{"a":{"$ref":"#/definitions/x"}}}""", "openAPIV3Schema.properties[a].$ref: Forbidden" },
        { "rule reason", """{"type":"object","x-kubernetes-validations":[{"rule":"true","reason":"Because"}]}""", "openAPIV3Schema.x-kubernetes-validations[0].reason: Unsupported value: \"Because\"" },
        { "empty rule", """{"type":"object","x-kubernetes-validations":[{"rule":""}]}""", "openAPIV3Schema.x-kubernetes-validations[0].rule: Required value" },
        { "rule fieldPath", """{"type":"object","properties":{"a":{"type":"string"}},"x-kubernetes-validations":[{"rule":"true","fieldPath":".b"}]}""", "openAPIV3Schema.x-kubernetes-validations[0].fieldPath: Invalid value: \".b\"" },
        { "preserve false", """{"type":"object","properties":{"a":{"type":"object","x-kubernetes-preserve-unknown-fields":false}}}""", "x-kubernetes-preserve-unknown-fields: Invalid value" },
    };

    [Theory]
    [MemberData(nameof(NotStructural))]
    public void Schemas_that_are_not_structural_are_refused(string name, string schema, string expected)
    {
        var errors = StructuralSchemaRules.Check(JsonNode.Parse(schema)!);

        Assert.True(errors.Any(e => e.ToString().Contains(expected, StringComparison.Ordinal)),
            $"{name}: expected an error containing\n  {expected}\ngot\n  {string.Join("\n  ", errors)}");
    }

    [Fact]
    public void Preserve_unknown_fields_and_int_or_string_may_omit_the_type()
    {
        var schema = JsonNode.Parse("""
            {"type":"object","properties":{
              "a":{"x-kubernetes-preserve-unknown-fields":true},
              "b":{"x-kubernetes-int-or-string":true,"anyOf":[{"type":"integer"},{"type":"string"}]},
              "metadata":{"type":"object","properties":{"name":{"type":"string","maxLength":20}}}}}
            """)!;

        Assert.Empty(StructuralSchemaRules.Check(schema));
    }
}
