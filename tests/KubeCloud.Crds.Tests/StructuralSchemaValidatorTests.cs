using System.Text.Json.Nodes;
using KubeCloud.Crds.Validation;

namespace KubeCloud.Crds.Tests;

public sealed class StructuralSchemaValidatorTests
{
    private static readonly StructuralSchemaValidator Sample = new(JsonNode.Parse("""
        {
          "type": "object",
          "properties": {
            "apiVersion": { "type": "string" },
            "kind": { "type": "string" },
            "metadata": { "type": "object" },
            "spec": {
              "type": "object",
              "required": ["name"],
              "properties": {
                "name": { "type": "string", "minLength": 2, "maxLength": 5 },
                "count": { "type": "integer", "default": 3, "minimum": 0, "maximum": 10, "exclusiveMaximum": true },
                "ratio": { "type": "number", "minimum": 0, "exclusiveMinimum": true },
                "size": { "x-kubernetes-int-or-string": true, "anyOf": [{"type":"integer"},{"type":"string"}], "pattern": "^[0-9]+Gi$" },
                "mode": { "type": "string", "enum": ["a", "b"], "default": "a" },
                "when": { "type": "string", "format": "date-time" },
                "maybe": { "type": "string", "nullable": true },
                "tags": { "type": "array", "minItems": 1, "maxItems": 3, "x-kubernetes-list-type": "set", "items": { "type": "string" } },
                "labels": { "type": "object", "maxProperties": 2, "additionalProperties": { "type": "string" } },
                "free": { "type": "object", "x-kubernetes-preserve-unknown-fields": true },
                "items": {
                  "type": "array",
                  "x-kubernetes-list-type": "map",
                  "x-kubernetes-list-map-keys": ["name", "port"],
                  "items": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {
                      "name": { "type": "string" },
                      "port": { "type": "integer", "default": 80 },
                      "on": { "type": "boolean", "default": true }
                    }
                  }
                }
              }
            }
          }
        }
        """)!);

    private static JsonNode Object(string spec) => JsonNode.Parse($$$"""{"apiVersion":"x/v1","kind":"X","metadata":{"name":"x","labels":{"a":"b"}},"spec":{{{spec}}}}""")!;

    // case, spec, the errors as kube-apiserver prints them (one per line), in order
    public static TheoryData<string, string, string> Cases => new()
    {
        { "valid", """{"name":"ab","count":9,"ratio":0.5,"size":"10Gi","mode":"b","when":"2026-01-02T03:04:05.5+01:00","maybe":null,"tags":["x"],"labels":{"a":"b"},"free":{"any":{"thing":1}},"items":[{"name":"a"},{"name":"a","port":81}]}""", "" },
        { "required", """{}""", "spec.name: Required value" },
        { "too short", """{"name":"a"}""", "spec.name: Invalid value: \"a\": spec.name in body should be at least 2 chars long" },
        { "too long counts characters, not bytes", """{"name":"ééééé"}""", "" },
        { "too long", """{"name":"abcdef"}""", "spec.name: Too long: may not be more than 5 bytes" },
        { "exclusive maximum", """{"name":"ab","count":10}""", "spec.count: Invalid value: 10: spec.count in body should be less than 10" },
        { "exclusive minimum", """{"name":"ab","ratio":0}""", "spec.ratio: Invalid value: 0: spec.ratio in body should be greater than 0" },
        { "whole float is an integer", """{"name":"ab","count":2.0}""", "" },
        { "fraction is not an integer", """{"name":"ab","count":2.5}""", "spec.count: Invalid value: \"number\": spec.count in body must be of type integer: \"number\"" },
        { "int-or-string takes an integer", """{"name":"ab","size":10}""", "" },
        { "int-or-string pattern applies to strings", """{"name":"ab","size":"10G"}""", "spec.size: Invalid value: \"10G\": spec.size in body should match '^[0-9]+Gi$'" },
        { "int-or-string refuses objects", """{"name":"ab","size":{}}""", "spec.size: Invalid value: \"object\": spec.size in body must be of type integer,string: \"object\"" },
        { "enum", """{"name":"ab","mode":"c"}""", "spec.mode: Unsupported value: \"c\": supported values: \"a\", \"b\"" },
        { "date-time", """{"name":"ab","when":"2026-13-01T00:00:00Z"}""", "spec.when: Invalid value: \"2026-13-01T00:00:00Z\": spec.when in body must be of type date-time: \"2026-13-01T00:00:00Z\"" },
        { "null where not nullable", """{"name":null}""", "spec.name: Invalid value: \"null\": spec.name in body must be of type string: \"null\"" },
        { "min items", """{"name":"ab","tags":[]}""", "spec.tags: Invalid value: \"array\": spec.tags in body should have at least 1 items" },
        { "max items and duplicates", """{"name":"ab","tags":["a","b","a","c"]}""", "spec.tags: Too many: 4: must have at most 3 items\nspec.tags[2]: Duplicate value: \"a\"" },
        { "max properties", """{"name":"ab","labels":{"a":"1","b":"2","c":"3"}}""", "spec.labels: Too many: 3: must have at most 2 items" },
        { "map value type", """{"name":"ab","labels":{"a":1}}""", "spec.labels.a: Invalid value: \"integer\": spec.labels.a in body must be of type string: \"integer\"" },
        { "list map keys use defaults", """{"name":"ab","items":[{"name":"a"},{"name":"a","port":80}]}""", "spec.items[1]: Duplicate value: map[string]interface {}{\"name\":\"a\", \"port\":80}" },
        { "list map item required", """{"name":"ab","items":[{"port":1}]}""", "spec.items[0].name: Required value" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Validates_like_kube_apiserver(string name, string spec, string expected)
    {
        var result = Sample.Validate(Object(spec));

        Assert.True(expected == string.Join("\n", result.Errors), $"{name}:\nexpected\n{expected}\ngot\n{result}");
    }

    [Fact]
    public void Unknown_fields_are_collected_or_refused()
    {
        var value = Object("""{"name":"ab","extra":1,"free":{"kept":1},"items":[{"name":"a","bogus":true}]}""");

        var collected = Sample.Validate(value);
        var strict = Sample.Validate(value, UnknownFieldMode.Strict);

        Assert.True(collected.IsValid);
        Assert.Equal(["spec.extra", "spec.items[0].bogus"], collected.UnknownFields);
        Assert.Equal(["unknown field \"spec.extra\"", "unknown field \"spec.items[0].bogus\""], strict.Errors.Select(e => e.ToString()));
    }

    [Fact]
    public void Metadata_at_the_root_is_left_to_the_api_server() =>
        Assert.Empty(Sample.Validate(Object("""{"name":"ab"}"""), UnknownFieldMode.Strict).UnknownFields);

    [Fact]
    public void Prune_drops_unknown_fields_and_non_nullable_nulls_and_returns_their_paths()
    {
        var value = Object("""{"name":"ab","extra":1,"maybe":null,"when":null,"mode":null,"free":{"kept":1},"items":[{"name":"a","bogus":true}]}""");
        value["status"] = new JsonObject();

        var pruned = Sample.Prune(value);

        Assert.Equal(["spec.extra", "spec.when", "spec.items[0].bogus", "status"], pruned);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"name":"ab","maybe":null,"mode":null,"free":{"kept":1},"items":[{"name":"a"}]}"""), value["spec"]), value["spec"]!.ToJsonString());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"name":"x","labels":{"a":"b"}}"""), value["metadata"]));
    }

    [Fact]
    public void Default_fills_missing_and_null_fields_recursing_into_lists()
    {
        var value = Object("""{"name":"ab","mode":null,"items":[{"name":"a"},{"name":"b","port":81,"on":false}]}""");

        Sample.Default(value);

        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{"name":"ab","mode":"a","items":[{"name":"a","port":80,"on":true},{"name":"b","port":81,"on":false}],"count":3}"""),
            value["spec"]), value["spec"]!.ToJsonString());
    }

    [Fact]
    public void Default_does_not_create_missing_parents()
    {
        var value = JsonNode.Parse("""{"apiVersion":"x/v1","kind":"X"}""")!;

        Sample.Default(value);

        Assert.Null(value["spec"]);
    }

    [Fact]
    public void Defaults_are_copies()
    {
        var first = Object("""{"name":"ab"}""");
        var second = Object("""{"name":"ab"}""");

        Sample.Default(first);
        Sample.Default(second);
        first["spec"]!["count"] = 5;

        Assert.Equal(3, second["spec"]!["count"]!.GetValue<int>());
    }

    [Fact]
    public void A_validator_can_be_built_from_a_stored_crd()
    {
        var crd = GeneratedCrds.Crd("Volume");

        var validator = StructuralSchemaValidator.ForCrd(crd, "v1alpha1");

        Assert.Equal("object", validator.Schema.Type);
        Assert.Throws<ArgumentException>(() => StructuralSchemaValidator.ForCrd(crd, "v2"));
    }

    [Theory]
    [InlineData("^[a-z]+$", "abc", true)]
    [InlineData("^[a-z]+$", "abc\n", false)]
    [InlineData("^[a-z$]+$", "a$", true)]
    [InlineData("^a\\$$", "a$", true)]
    [InlineData("^\\d+$", "١٢", false)] // ECMAScript \d is ASCII only
    [InlineData("^https?://[^\\s]+$", "https://x/y", true)]
    [InlineData("^https?://[^\\s]+$", "https://x y", false)]
    public void Patterns_follow_ecma_262(string pattern, string text, bool matches) =>
        Assert.Equal(matches, EcmaPattern.Compile(pattern).IsMatch(text));

    [Theory]
    [InlineData("date-time", "2026-01-02T03:04:05Z", true)]
    [InlineData("date-time", "2026-01-02t03:04:05.123456789z", true)]
    [InlineData("date-time", "2026-01-02T03:04:05+05:30", true)]
    [InlineData("date-time", "2026-01-02", false)]
    [InlineData("date-time", "2026-02-30T00:00:00Z", false)]
    [InlineData("date-time", "yesterday", false)]
    [InlineData("date", "2026-01-02", true)]
    [InlineData("date", "2026-1-2", false)]
    [InlineData("byte", "aGVsbG8=", true)]
    [InlineData("byte", "not base64!", false)]
    [InlineData("ipv4", "10.0.0.1", true)]
    [InlineData("ipv4", "10.0.0.256", false)]
    [InlineData("ipv6", "fd00::1", true)]
    [InlineData("cidr", "10.0.0.0/8", true)]
    [InlineData("cidr", "10.0.0.0", false)]
    [InlineData("mac", "fa:16:3e:00:00:01", true)]
    [InlineData("uuid", "123e4567-e89b-12d3-a456-426614174000", true)]
    [InlineData("hostname", "node-1.example", true)]
    [InlineData("hostname", "-bad", false)]
    [InlineData("int32", "anything", true)]
    public void String_formats(string format, string value, bool valid) =>
        Assert.Equal(valid, StringFormats.IsValid(format, value));
}
