using System.Text.Json.Nodes;
using KubeCloud.Crds.Validation;

namespace KubeCloud.Crds.Cel;

/// <summary>An object (or map) of the custom resource, with the schema that types its fields.</summary>
public sealed record CelObject(JsonObject Node, StructuralSchema? Schema);

/// <summary>A list, with its <c>x-kubernetes-list-type</c> (set and map lists compare without order).</summary>
public sealed record CelList(IReadOnlyList<object> Items, string? ListType);

/// <summary>Converts JSON values into CEL values and compares them as CEL does.</summary>
public static class CelValues
{
    /// <summary>The CEL value of a JSON node: long, double, string, bool, <see cref="CelNull"/>, <see cref="CelObject"/> or <see cref="CelList"/>.</summary>
    public static object From(JsonNode? node, StructuralSchema? schema) => node switch
    {
        null => CelNull.Value,
        JsonObject obj => new CelObject(obj, schema),
        JsonArray array => new CelList([.. array.Select(item => From(item, schema?.Items))], schema?.ListType),
        JsonValue value => JsonKind.Of(value) switch
        {
            JsonKind.String => value.GetValue<string>(),
            JsonKind.Boolean => value.GetValue<bool>(),
            JsonKind.Integer when schema?.Type != JsonKind.Number => value.TryGetValue<long>(out var exact) ? exact : (long)JsonKind.ToDouble(value),
            JsonKind.Integer or JsonKind.Number => JsonKind.ToDouble(value),
            _ => CelNull.Value,
        },
        _ => CelNull.Value,
    };

    /// <summary>The schema of a field of an object value, if any.</summary>
    public static StructuralSchema? FieldSchema(CelObject obj, string field) =>
        obj.Schema is null ? null : obj.Schema.Properties.GetValueOrDefault(field) ?? obj.Schema.AdditionalProperties;

    /// <summary>CEL equality: heterogeneous values are unequal, numbers compare by value, set and map lists ignore order.</summary>
    public static bool AreEqual(object left, object right)
    {
        switch (left, right)
        {
            case (long a, long b):
                return a == b;
            case (long or double, long or double):
                return Convert.ToDouble(left, System.Globalization.CultureInfo.InvariantCulture) == Convert.ToDouble(right, System.Globalization.CultureInfo.InvariantCulture);
            case (string a, string b):
                return string.Equals(a, b, StringComparison.Ordinal);
            case (bool a, bool b):
                return a == b;
            case (CelNull, CelNull):
                return true;
            case (CelObject a, CelObject b):
                return a.Node.Count == b.Node.Count && a.Node.All(p =>
                    b.Node.TryGetPropertyValue(p.Key, out var other)
                    && AreEqual(From(p.Value, FieldSchema(a, p.Key)), From(other, FieldSchema(b, p.Key))));
            case (CelList a, CelList b):
                if (a.Items.Count != b.Items.Count)
                {
                    return false;
                }

                if (a.ListType is "set" or "map")
                {
                    var unmatched = b.Items.ToList();
                    foreach (var item in a.Items)
                    {
                        var index = unmatched.FindIndex(candidate => AreEqual(item, candidate));
                        if (index < 0)
                        {
                            return false;
                        }

                        unmatched.RemoveAt(index);
                    }

                    return true;
                }

                return a.Items.Zip(b.Items).All(pair => AreEqual(pair.First, pair.Second));
            default:
                return false;
        }
    }

    /// <summary>The CEL type name of a value, for error messages.</summary>
    public static string TypeName(object value) => value switch
    {
        long => "int",
        double => "double",
        string => "string",
        bool => "bool",
        CelNull => "null_type",
        CelObject => "map",
        CelList => "list",
        _ => value.GetType().Name,
    };
}
