using System.ComponentModel;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using KubeCloud.Api;
using KubeCloud.Api.Schema;
using KubeCloud.Crds.Generation;

namespace KubeCloud.Crds.Tests;

public sealed class SchemaBuilderTests
{
    [JsonConverter(typeof(JsonStringEnumConverter<Color>))]
    public enum Color
    {
        Red,
        [JsonStringEnumMemberName("light-green")] LightGreen,
    }

    public enum UnmarkedEnum
    {
        A,
    }

    [Description("An item of a keyed list.")]
    [ValidationRule("self.name != 'forbidden'", Message = "name must not be forbidden", Reason = "FieldValueForbidden")]
    public sealed class Keyed
    {
        [Required]
        [JsonPropertyName("name")]
        public string Name { get; set; } = string.Empty;

        [JsonPropertyName("port")]
        [Default(80)]
        public int Port { get; set; }

        [JsonPropertyName("label")]
        public string? Label { get; set; }
    }

    public sealed class Sample
    {
        public string? PlainString { get; set; }
        [JsonPropertyName("renamed")] public string? Renamed { get; set; }
        public int Int32 { get; set; }
        public long Int64 { get; set; }
        public int? NullableInt { get; set; }
        public double Ratio { get; set; }
        public bool Flag { get; set; }
        public DateTimeOffset When { get; set; }
        public DateTimeOffset? MaybeWhen { get; set; }
        public Quantity Size { get; set; }
        public Quantity? MaybeSize { get; set; }
        public Color Paint { get; set; }
        public Color? MaybePaint { get; set; }
        public Dictionary<string, string>? Labels { get; set; }
        public Dictionary<string, int>? Counts { get; set; }
        public List<string>? Names { get; set; }
        public List<Keyed>? Items { get; set; }
        [Description("Property wins.")] public Keyed? Described { get; set; }
        [Minimum(1)] public int Min1 { get; set; }
        [Minimum(0, Exclusive = true)] public double MinExclusive { get; set; }
        [Maximum(4094)] public int Max { get; set; }
        [Maximum(1.5, Exclusive = true)] public double MaxExclusive { get; set; }
        [Minimum(68)][Maximum(9000)] public int Range { get; set; }
        [Pattern("^[a-z]+$")] public string? Lowercase { get; set; }
        [Format("date-time")] public string? Stamp { get; set; }
        [Length(Max = 63)] public string? Short { get; set; }
        [Length(Min = 1, Max = 253)] public string? Bounded { get; set; }
        [Items(Max = 16)] public List<string>? Few { get; set; }
        [Items(Max = 8, MaxLength = 253)] public List<string>? FewShort { get; set; }
        [Items(Min = 1, Max = 2)] public List<int>? OneOrTwo { get; set; }
        [MaxProperties(128)] public Dictionary<string, string>? SmallMap { get; set; }
        [Default("qcow2")] public string Format { get; set; } = "qcow2";
        [Default(1450)] public int Mtu { get; set; }
        [Default(true)] public bool On { get; set; }
        [Default(0.5)] public double Half { get; set; }
        [Default("0")] public Quantity Zero { get; set; }
        [Default("light-green")] public Color DefaultPaint { get; set; }
        [ListType(ListTypeAttribute.Atomic)] public List<string>? Atomic { get; set; }
        [ListType(ListTypeAttribute.Set)] public List<string>? Set { get; set; }
        [ListType(ListTypeAttribute.Map, "name")] public List<Keyed>? Map { get; set; }
        [ListType(ListTypeAttribute.Map, "name", "port")] public List<Keyed>? TwoKeys { get; set; }
        [PreserveUnknownFields] public Dictionary<string, string>? Loose { get; set; }
        [Immutable] public string? Fixed { get; set; }
        [Immutable(Message = "checksum is immutable")] public string? Checksum { get; set; }
        [ValidationRule("self.all(x, x != '')", Message = "no empty names")] public List<string>? Checked { get; set; }
        [ValidationRule("size(self) <= 3", FieldPath = ".x", Reason = "FieldValueInvalid")] public Dictionary<string, string>? WithPath { get; set; }
        [JsonIgnore] public string? Ignored { get; set; }
    }

    public static TheoryData<string, string> PropertySchemas => new()
    {
        { nameof(Sample.PlainString), """{"type":"string"}""" },
        { nameof(Sample.Renamed), """{"type":"string"}""" },
        { nameof(Sample.Int32), """{"type":"integer","format":"int32"}""" },
        { nameof(Sample.Int64), """{"type":"integer","format":"int64"}""" },
        { nameof(Sample.NullableInt), """{"type":"integer","format":"int32"}""" },
        { nameof(Sample.Ratio), """{"type":"number"}""" },
        { nameof(Sample.Flag), """{"type":"boolean"}""" },
        { nameof(Sample.When), """{"type":"string","format":"date-time"}""" },
        { nameof(Sample.MaybeWhen), """{"type":"string","format":"date-time"}""" },
        { nameof(Sample.Size), $$"""{"pattern":{{Json(SchemaBuilder.QuantityPattern)}},"anyOf":[{"type":"integer"},{"type":"string"}],"x-kubernetes-int-or-string":true}""" },
        { nameof(Sample.MaybeSize), $$"""{"pattern":{{Json(SchemaBuilder.QuantityPattern)}},"anyOf":[{"type":"integer"},{"type":"string"}],"x-kubernetes-int-or-string":true}""" },
        { nameof(Sample.Paint), """{"type":"string","enum":["Red","light-green"]}""" },
        { nameof(Sample.MaybePaint), """{"type":"string","enum":["Red","light-green"]}""" },
        { nameof(Sample.Labels), """{"type":"object","additionalProperties":{"type":"string"}}""" },
        { nameof(Sample.Counts), """{"type":"object","additionalProperties":{"type":"integer","format":"int32"}}""" },
        { nameof(Sample.Names), """{"type":"array","items":{"type":"string"}}""" },
        { nameof(Sample.Items), """{"type":"array","items":{"description":"An item of a keyed list.","type":"object","x-kubernetes-validations":[{"rule":"self.name != 'forbidden'","message":"name must not be forbidden","reason":"FieldValueForbidden"}],"required":["name"],"properties":{"name":{"type":"string"},"port":{"type":"integer","format":"int32","default":80},"label":{"type":"string"}}}}""" },
        { nameof(Sample.Described), """{"description":"Property wins.","type":"object","x-kubernetes-validations":[{"rule":"self.name != 'forbidden'","message":"name must not be forbidden","reason":"FieldValueForbidden"}],"required":["name"],"properties":{"name":{"type":"string"},"port":{"type":"integer","format":"int32","default":80},"label":{"type":"string"}}}""" },
        { nameof(Sample.Min1), """{"type":"integer","format":"int32","minimum":1}""" },
        { nameof(Sample.MinExclusive), """{"type":"number","minimum":0,"exclusiveMinimum":true}""" },
        { nameof(Sample.Max), """{"type":"integer","format":"int32","maximum":4094}""" },
        { nameof(Sample.MaxExclusive), """{"type":"number","maximum":1.5,"exclusiveMaximum":true}""" },
        { nameof(Sample.Range), """{"type":"integer","format":"int32","minimum":68,"maximum":9000}""" },
        { nameof(Sample.Lowercase), """{"type":"string","pattern":"^[a-z]+$"}""" },
        { nameof(Sample.Stamp), """{"type":"string","format":"date-time"}""" },
        { nameof(Sample.Short), """{"type":"string","maxLength":63}""" },
        { nameof(Sample.Bounded), """{"type":"string","minLength":1,"maxLength":253}""" },
        { nameof(Sample.Few), """{"type":"array","maxItems":16,"items":{"type":"string"}}""" },
        { nameof(Sample.FewShort), """{"type":"array","maxItems":8,"items":{"type":"string","maxLength":253}}""" },
        { nameof(Sample.OneOrTwo), """{"type":"array","minItems":1,"maxItems":2,"items":{"type":"integer","format":"int32"}}""" },
        { nameof(Sample.SmallMap), """{"type":"object","maxProperties":128,"additionalProperties":{"type":"string"}}""" },
        { nameof(Sample.Format), """{"type":"string","default":"qcow2"}""" },
        { nameof(Sample.Mtu), """{"type":"integer","format":"int32","default":1450}""" },
        { nameof(Sample.On), """{"type":"boolean","default":true}""" },
        { nameof(Sample.Half), """{"type":"number","default":0.5}""" },
        { nameof(Sample.Zero), $$"""{"default":"0","pattern":{{Json(SchemaBuilder.QuantityPattern)}},"anyOf":[{"type":"integer"},{"type":"string"}],"x-kubernetes-int-or-string":true}""" },
        { nameof(Sample.DefaultPaint), """{"type":"string","enum":["Red","light-green"],"default":"light-green"}""" },
        { nameof(Sample.Atomic), """{"type":"array","x-kubernetes-list-type":"atomic","items":{"type":"string"}}""" },
        { nameof(Sample.Set), """{"type":"array","x-kubernetes-list-type":"set","items":{"type":"string"}}""" },
        { nameof(Sample.Loose), """{"type":"object","x-kubernetes-preserve-unknown-fields":true,"additionalProperties":{"type":"string"}}""" },
        { nameof(Sample.Fixed), """{"type":"string","x-kubernetes-validations":[{"rule":"self == oldSelf","message":"field is immutable"}]}""" },
        { nameof(Sample.Checksum), """{"type":"string","x-kubernetes-validations":[{"rule":"self == oldSelf","message":"checksum is immutable"}]}""" },
        { nameof(Sample.Checked), """{"type":"array","x-kubernetes-validations":[{"rule":"self.all(x, x != '')","message":"no empty names"}],"items":{"type":"string"}}""" },
        { nameof(Sample.WithPath), """{"type":"object","x-kubernetes-validations":[{"rule":"size(self) <= 3","fieldPath":".x","reason":"FieldValueInvalid"}],"additionalProperties":{"type":"string"}}""" },
    };

    private static string Json(string text) => JsonValue.Create(text).ToJsonString();

    [Theory]
    [MemberData(nameof(PropertySchemas))]
    public void Property_attributes_become_schema_keywords(string property, string expected)
    {
        var schema = SchemaBuilder.ForProperty(typeof(Sample).GetProperty(property)!);

        AssertJson(expected, schema);
    }

    [Theory]
    [InlineData(nameof(Sample.Map), "[\"name\"]")]
    [InlineData(nameof(Sample.TwoKeys), "[\"name\",\"port\"]")]
    public void List_maps_carry_their_keys(string property, string keys)
    {
        var schema = SchemaBuilder.ForProperty(typeof(Sample).GetProperty(property)!);

        Assert.Equal("map", schema["x-kubernetes-list-type"]!.GetValue<string>());
        AssertJson(keys, schema["x-kubernetes-list-map-keys"]);
    }

    [Fact]
    public void Object_lists_required_fields_in_declaration_order_and_uses_json_names()
    {
        var schema = SchemaBuilder.ForType(typeof(Sample));
        var names = schema["properties"]!.AsObject().Select(p => p.Key).ToList();

        Assert.Equal("plainString", names[0]);
        Assert.Equal("renamed", names[1]);
        Assert.DoesNotContain("ignored", names);
        Assert.False(schema.ContainsKey("required"));
    }

    [Fact]
    public void Schema_keys_come_in_the_usual_order()
    {
        var schema = SchemaBuilder.ForProperty(typeof(Sample).GetProperty(nameof(Sample.Described))!);

        Assert.Equal(["description", "type", "x-kubernetes-validations", "required", "properties"], schema.Select(p => p.Key));
    }

    public sealed class UnkeyedMap
    {
        [ListType(ListTypeAttribute.Map, "label")] public List<Keyed>? Items { get; set; }
    }

    public sealed class MissingKey
    {
        [ListType(ListTypeAttribute.Map, "nope")] public List<Keyed>? Items { get; set; }
    }

    public sealed class MapWithoutKeys
    {
        [ListType(ListTypeAttribute.Map)] public List<Keyed>? Items { get; set; }
    }

    public sealed class SetOfObjects
    {
        [ListType(ListTypeAttribute.Set)] public List<Keyed>? Items { get; set; }
    }

    public sealed class ItemLengthOnInts
    {
        [Items(MaxLength = 5)] public List<int>? Numbers { get; set; }
    }

    public sealed class ListTypeOnString
    {
        [ListType(ListTypeAttribute.Set)] public string? Text { get; set; }
    }

    public sealed class MinimumOnString
    {
        [Minimum(1)] public string? Text { get; set; }
    }

    public sealed class PatternOnInt
    {
        [Pattern("^1$")] public int Number { get; set; }
    }

    public sealed class EnumWithoutConverter
    {
        public UnmarkedEnum Value { get; set; }
    }

    public sealed class Recursive
    {
        public Recursive? Child { get; set; }
    }

    public sealed class IntKeyedMap
    {
        public Dictionary<int, string>? Map { get; set; }
    }

    public sealed class UnknownListType
    {
        [ListType("bag")] public List<string>? Items { get; set; }
    }

    public static TheoryData<Type, string> Refused => new()
    {
        { typeof(UnkeyedMap), "list map key 'label' must be [Required] or have a [Default]" },
        { typeof(MissingKey), "list map key 'nope' is not a property of the item type" },
        { typeof(MapWithoutKeys), "a list of type map needs at least one map key" },
        { typeof(SetOfObjects), "a list of type set needs scalar items" },
        { typeof(ListTypeOnString), "[ListType] needs a list" },
        { typeof(ItemLengthOnInts), "[Items(MaxLength)] needs a list of strings" },
        { typeof(MinimumOnString), "[Minimum]/[Maximum] need a number" },
        { typeof(PatternOnInt), "[Pattern]/[Length] need a string" },
        { typeof(EnumWithoutConverter), "must have [JsonConverter(typeof(JsonStringEnumConverter<UnmarkedEnum>))]" },
        { typeof(Recursive), "refers to itself" },
        { typeof(IntKeyedMap), "map keys must be strings" },
        { typeof(UnknownListType), "list type 'bag' is not one of atomic, set or map" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Types_that_cannot_be_a_structural_schema_fail_with_a_clear_message(Type type, string message)
    {
        var error = Assert.Throws<CrdGenerationException>(() => SchemaBuilder.ForType(type));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    private static void AssertJson(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"expected {expected}\nactual   {actual?.ToJsonString()}");
}
