using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KubeCloud.ApiServer.Serialization.Protobuf;

/// <summary>
/// Protobuf to the JSON object the Go types would marshal to, for any message of a <see cref="ProtoSchema"/>:
/// a field on the wire is kept, except the zero value of a non-pointer omitempty field (Go sends those
/// always, and its JSON leaves them out); a pointer's zero was set on purpose and is kept; absent fields
/// stay absent. A field number the tables do not know is refused, never dropped.
/// </summary>
public static class ProtobufReader
{
    public static JsonObject Read(ReadOnlySpan<byte> data, ProtoMessage message)
    {
        var obj = new JsonObject();
        ReadInto(data, message, obj);
        return obj;
    }

    /// <summary>Reads the fields of a message into an existing object (inline fields merge the same way).</summary>
    public static void ReadInto(ReadOnlySpan<byte> data, ProtoMessage message, JsonObject target)
    {
        var wire = new ProtoWireReader(data);
        while (!wire.End)
        {
            var (number, wireType) = wire.ReadTag();
            var field = message.Field(number)
                ?? throw new ProtobufException($"field {number} of {message.FullName} is not in this server's protobuf tables (k8s.io/api v0.33); send the object as application/json");
            if (field.IsMap)
            {
                Expect(field, wireType, 2);
                var (key, value) = ReadMapEntry(wire.ReadLengthDelimited(), field);
                var map = target[field.JsonName] as JsonObject ?? [];
                map[key] = value;
                target[field.JsonName] = map;
            }
            else if (field.Repeated)
            {
                var list = target[field.JsonName] as JsonArray ?? [];
                target[field.JsonName] = list;
                if (wireType == 2 && field.Type.WireType != 2)
                {
                    var packed = new ProtoWireReader(wire.ReadLengthDelimited());
                    while (!packed.End)
                    {
                        list.Add(ReadValue(ref packed, field.Type));
                    }
                }
                else
                {
                    Expect(field, wireType, field.Type.WireType);
                    list.Add(ReadValue(ref wire, field.Type));
                }
            }
            else if (field.Inline)
            {
                Expect(field, wireType, 2);
                ReadInto(wire.ReadLengthDelimited(), field.Message!, target);
            }
            else
            {
                Expect(field, wireType, field.Type.WireType);
                var value = ReadValue(ref wire, field.Type);
                if (value is null || (field is { Pointer: false, OmitEmpty: true } && field.Type.Scalar != ProtoScalar.Message && IsZero(value)))
                {
                    target.Remove(field.JsonName);
                }
                else
                {
                    target[field.JsonName] = value;
                }
            }
        }
    }

    private static (string Key, JsonNode? Value) ReadMapEntry(ReadOnlySpan<byte> data, ProtoField field)
    {
        var wire = new ProtoWireReader(data);
        JsonNode? key = null;
        JsonNode? value = null;
        while (!wire.End)
        {
            var (number, wireType) = wire.ReadTag();
            var type = number switch
            {
                1 => field.MapKey!,
                2 => field.Type,
                _ => throw new ProtobufException($"map entry of {field.Name} has a field {number}"),
            };
            Expect(field, wireType, type.WireType);
            if (number == 1)
            {
                key = ReadValue(ref wire, type);
            }
            else
            {
                value = ReadValue(ref wire, type);
            }
        }

        // An entry without a value holds the zero value of its type.
        value ??= field.Type.Scalar switch
        {
            ProtoScalar.String or ProtoScalar.Bytes => "",
            ProtoScalar.Bool => false,
            ProtoScalar.Message => ReadMessageValue([], field.Type.Message!),
            _ => 0,
        };
        return (key?.ToString() ?? "", value);
    }

    private static void Expect(ProtoField field, int actual, int expected)
    {
        if (actual != expected)
        {
            throw new ProtobufException($"field {field.Number} ({field.Name}, {field.Type}) has wire type {actual}, expected {expected}");
        }
    }

    private static JsonNode? ReadValue(ref ProtoWireReader wire, ProtoType type) => type.Scalar switch
    {
        ProtoScalar.Message => ReadMessageValue(wire.ReadLengthDelimited(), type.Message!),
        ProtoScalar.String => Encoding.UTF8.GetString(wire.ReadLengthDelimited()),
        ProtoScalar.Bytes => Convert.ToBase64String(wire.ReadLengthDelimited()),
        ProtoScalar.Bool => wire.ReadVarint() != 0,
        ProtoScalar.Int32 => (int)(long)wire.ReadVarint(),
        ProtoScalar.Int64 => (long)wire.ReadVarint(),
        ProtoScalar.UInt32 => (uint)wire.ReadVarint(),
        ProtoScalar.UInt64 => wire.ReadVarint(),
        ProtoScalar.SInt32 => (int)ZigZag(wire.ReadVarint()),
        ProtoScalar.SInt64 => ZigZag(wire.ReadVarint()),
        ProtoScalar.Fixed32 => wire.ReadFixed32(),
        ProtoScalar.SFixed32 => (int)wire.ReadFixed32(),
        ProtoScalar.Float => BitConverter.Int32BitsToSingle((int)wire.ReadFixed32()),
        ProtoScalar.Fixed64 => wire.ReadFixed64(),
        ProtoScalar.SFixed64 => (long)wire.ReadFixed64(),
        ProtoScalar.Double => BitConverter.Int64BitsToDouble((long)wire.ReadFixed64()),
        _ => throw new ProtobufException($"unsupported type {type}"),
    };

    private static long ZigZag(ulong value) => (long)(value >> 1) ^ -(long)(value & 1);

    private static JsonNode? ReadMessageValue(ReadOnlySpan<byte> data, ProtoMessage message)
    {
        if (message.Special == ProtoSpecial.None)
        {
            return Read(data, message);
        }

        var fields = Read(data, message);
        switch (message.Special)
        {
            case ProtoSpecial.Time or ProtoSpecial.MicroTime:
                if (data.IsEmpty)
                {
                    return null; // Go sends the zero time as an empty message; its JSON is null
                }

                var time = DateTimeOffset.FromUnixTimeSeconds(Long(fields["seconds"]));
                return message.Special == ProtoSpecial.Time
                    ? Storage.ObjectMetadata.Timestamp(time) // kube keeps whole seconds for Time
                    : time.AddTicks(Long(fields["nanos"]) / 1000 * 10).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
            case ProtoSpecial.Quantity:
                return (string?)fields["string"] ?? "0";
            case ProtoSpecial.IntOrString:
                return Long(fields["type"]) == 1 ? (JsonNode)((string?)fields["strVal"] ?? "") : (int)Long(fields["intVal"]);
            case ProtoSpecial.RawJson:
                var raw = (string?)fields["-"]; // the raw bytes (json:"-" in Go)
                if (string.IsNullOrEmpty(raw))
                {
                    return null;
                }

                try
                {
                    return JsonNode.Parse(Convert.FromBase64String(raw));
                }
                catch (JsonException e)
                {
                    throw new ProtobufException($"{message.FullName} holds no JSON ({e.Message}); only JSON raw bytes are read");
                }

            case ProtoSpecial.StringList:
                return fields["items"]?.DeepClone() ?? new JsonArray();
            default:
                throw new ProtobufException($"{message.FullName} is not supported in protobuf; send the object as application/json");
        }
    }

    private static long Long(JsonNode? node) => JsonNumbers.TryGetLong(node, out var value) ? value : 0;

    /// <summary>Zero whichever CLR number <see cref="ReadValue"/> made.</summary>
    private static bool IsZeroNumber(JsonValue v) =>
        (v.TryGetValue<int>(out var i) && i == 0) || (v.TryGetValue<long>(out var l) && l == 0) || (v.TryGetValue<uint>(out var u) && u == 0)
        || (v.TryGetValue<ulong>(out var ul) && ul == 0) || (v.TryGetValue<double>(out var d) && d == 0) || (v.TryGetValue<float>(out var f) && f == 0);

    private static bool IsZero(JsonNode value) => value.GetValueKind() switch
    {
        JsonValueKind.String => ((string?)value)?.Length == 0,
        JsonValueKind.False => true,
        JsonValueKind.Number => IsZeroNumber(value.AsValue()),
        _ => false,
    };
}
