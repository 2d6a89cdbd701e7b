using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KubeCloud.ApiServer.Serialization.Protobuf;

/// <summary>
/// A JSON object to protobuf, for any message of a <see cref="ProtoSchema"/>: fields in number order, maps
/// with sorted keys, repeated scalars unpacked (as Go's proto2 marshaller writes them); what is absent or
/// null stays absent. A property the message has no field for is refused with its path, never dropped.
/// </summary>
public static class ProtobufWriter
{
    /// <summary>The properties of a top-level object that the envelope carries rather than the message.</summary>
    private static readonly HashSet<string> TypeMeta = new(StringComparer.Ordinal) { "apiVersion", "kind" };

    public static byte[] Write(JsonObject obj, ProtoMessage message)
    {
        var wire = new ProtoWireWriter();
        WriteFields(wire, obj, message, message.Name, TypeMeta);
        return wire.ToArray();
    }

    private static void WriteFields(ProtoWireWriter wire, JsonObject obj, ProtoMessage message, string path, HashSet<string>? ignored)
    {
        // The object's properties, not the message's (often many more) fields, drive the walk.
        var present = new List<(ProtoField Field, JsonNode Value)>(obj.Count);
        var inlined = false;
        foreach (var (name, value) in obj)
        {
            if (value is null)
            {
                continue;
            }

            if (message.FieldByJsonName(name) is { } field)
            {
                present.Add((field, value));
            }
            else if (message.JsonNames.Contains(name))
            {
                inlined = true;
            }
            else if (ignored is not null && !ignored.Contains(name))
            {
                throw new ProtobufException($"{path}.{name}: {message.FullName} has no such field in this server's protobuf tables");
            }
        }

        if (inlined)
        {
            present.AddRange(message.Fields.Where(f => f.Inline && obj.Any(p => p.Value is not null && f.Message!.JsonNames.Contains(p.Key))).Select(f => (f, (JsonNode)obj)));
        }

        present.Sort((a, b) => a.Field.Number.CompareTo(b.Field.Number));
        foreach (var (field, node) in present)
        {
            var fieldPath = new FieldPath(path, field.JsonName);
            if (field.Inline)
            {
                wire.Message(field.Number, w => WriteFields(w, obj, field.Message!, path, null));
            }
            else if (field.IsMap)
            {
                var map = node as JsonObject ?? throw Mistyped(fieldPath, "an object", node);
                foreach (var (key, value) in map.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    if (value is not null)
                    {
                        wire.Message(field.Number, entry =>
                        {
                            WriteValue(entry, 1, JsonValue.Create(key), field.MapKey!, fieldPath);
                            WriteValue(entry, 2, value, field.Type, fieldPath with { Key = key });
                        });
                    }
                }
            }
            else if (field.Repeated)
            {
                var list = node as JsonArray ?? throw Mistyped(fieldPath, "an array", node);
                for (var i = 0; i < list.Count; i++)
                {
                    WriteValue(wire, field.Number, list[i] ?? throw Mistyped(fieldPath with { Index = i }, field.Type.ToString(), null), field.Type, fieldPath with { Index = i });
                }
            }
            else
            {
                WriteValue(wire, field.Number, node, field.Type, fieldPath);
            }
        }
    }

    private static void WriteValue(ProtoWireWriter wire, int number, JsonNode node, ProtoType type, FieldPath path)
    {
        switch (type.Scalar)
        {
            case ProtoScalar.Message:
                WriteMessageValue(wire, number, node, type.Message!, path);
                break;
            case ProtoScalar.String:
                wire.String(number, String(node, path));
                break;
            case ProtoScalar.Bytes:
                wire.LengthDelimited(number, Bytes(node, path));
                break;
            case ProtoScalar.Bool:
                wire.VarintField(number, node.GetValueKind() switch
                {
                    JsonValueKind.True => 1UL,
                    JsonValueKind.False => 0UL,
                    _ => throw Mistyped(path, "a boolean", node),
                });
                break;
            case ProtoScalar.Int32 or ProtoScalar.Int64:
                wire.VarintField(number, (ulong)Long(node, path));
                break;
            case ProtoScalar.UInt32 or ProtoScalar.UInt64:
                wire.VarintField(number, node.GetValue<ulong>());
                break;
            case ProtoScalar.SInt32 or ProtoScalar.SInt64:
                var signed = Long(node, path);
                wire.VarintField(number, (ulong)((signed << 1) ^ (signed >> 63)));
                break;
            case ProtoScalar.Fixed32 or ProtoScalar.SFixed32:
                wire.Tag(number, 5);
                wire.Fixed32((uint)Long(node, path));
                break;
            case ProtoScalar.Float:
                wire.Tag(number, 5);
                wire.Fixed32((uint)BitConverter.SingleToInt32Bits(node.GetValue<float>()));
                break;
            case ProtoScalar.Fixed64 or ProtoScalar.SFixed64:
                wire.Tag(number, 1);
                wire.Fixed64((ulong)Long(node, path));
                break;
            case ProtoScalar.Double:
                wire.Tag(number, 1);
                wire.Fixed64((ulong)BitConverter.DoubleToInt64Bits(node.GetValue<double>()));
                break;
            default:
                throw new ProtobufException($"{path}: unsupported type {type}");
        }
    }

    private static void WriteMessageValue(ProtoWireWriter wire, int number, JsonNode node, ProtoMessage message, FieldPath path)
    {
        switch (message.Special)
        {
            case ProtoSpecial.None:
                var obj = node as JsonObject ?? throw Mistyped(path, "an object", node);
                wire.Message(number, w => WriteFields(w, obj, message, path.ToString(), ignored: EmptySet));
                break;
            case ProtoSpecial.Time or ProtoSpecial.MicroTime:
                if (!DateTimeOffset.TryParse(String(node, path), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
                {
                    throw Mistyped(path, "an RFC 3339 time", node);
                }

                wire.Message(number, w =>
                {
                    w.VarintField(1, (ulong)time.ToUnixTimeSeconds());
                    w.VarintField(2, (ulong)(message.Special == ProtoSpecial.Time ? 0 : time.Ticks % TimeSpan.TicksPerSecond * 100));
                });
                break;
            case ProtoSpecial.Quantity:
                var quantity = node.GetValueKind() is JsonValueKind.Number or JsonValueKind.String ? node.ToString() : throw Mistyped(path, "a quantity", node);
                wire.Message(number, w => w.String(1, quantity));
                break;
            case ProtoSpecial.IntOrString:
                wire.Message(number, w =>
                {
                    var isString = node.GetValueKind() == JsonValueKind.String;
                    w.VarintField(1, isString ? 1UL : 0UL);
                    w.VarintField(2, isString ? 0UL : (ulong)(long)(int)Long(node, path));
                    w.String(3, isString ? (string)node! : "");
                });
                break;
            case ProtoSpecial.RawJson:
                wire.Message(number, w => w.LengthDelimited(1, Encoding.UTF8.GetBytes(node.ToJsonString(JsonText.Options))));
                break;
            case ProtoSpecial.StringList:
                var items = node as JsonArray ?? throw Mistyped(path, "an array of strings", node);
                wire.Message(number, w =>
                {
                    for (var i = 0; i < items.Count; i++)
                    {
                        w.String(1, String(items[i], path with { Index = i }));
                    }
                });
                break;
            default:
                throw new ProtobufException($"{path}: {message.FullName} is not supported in protobuf");
        }
    }

    private static readonly HashSet<string> EmptySet = [];

    private static string String(JsonNode? node, FieldPath path) =>
        node?.GetValueKind() == JsonValueKind.String ? (string)node! : throw Mistyped(path, "a string", node);

    private static byte[] Bytes(JsonNode node, FieldPath path)
    {
        try
        {
            return Convert.FromBase64String(String(node, path));
        }
        catch (FormatException)
        {
            throw Mistyped(path, "base64 bytes", node);
        }
    }

    private static long Long(JsonNode node, FieldPath path) =>
        (node is JsonValue v && v.TryGetValue<long>(out var value)) || JsonNumbers.TryGetLong(node, out value) ? value : throw Mistyped(path, "an integer", node);

    private static ProtobufException Mistyped(FieldPath path, string expected, JsonNode? node) =>
        new($"{path}: expected {expected}, got {node?.ToJsonString() ?? "null"}");

    /// <summary>Where a value is (<c>Deployment.spec.replicas</c>, <c>Secret.data[k]</c>), built into text only for an error message.</summary>
    private readonly record struct FieldPath(string Parent, string Name, int Index = -1, string? Key = null)
    {
        public override string ToString() => $"{Parent}.{Name}" + (Index >= 0 ? $"[{Index}]" : "") + (Key is null ? "" : $"[{Key}]");
    }
}
