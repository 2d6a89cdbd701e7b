using System.Text;
using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Http;
using KubeCloud.ApiServer.Serialization.Protobuf;

namespace KubeCloud.ApiServer.Serialization;

/// <summary>
/// Kubernetes protobuf bodies (<c>application/vnd.kubernetes.protobuf</c>): the <c>k8s\0</c> magic, then a
/// runtime.Unknown holding TypeMeta (apiVersion, kind), the object's raw bytes, contentEncoding and
/// contentType. Typed clients (client-go clientsets: <c>kubectl create ...</c>, helm's release storage,
/// <c>kubectl auth</c>) send them. The object inside is read and written through the tables of
/// <see cref="ProtoSchema"/> for every kind they cover; another kind is 415 (send JSON).
/// </summary>
public static class ProtobufBodies
{
    public const string MediaType = "application/vnd.kubernetes.protobuf";

    private const int TypeMetaField = 1;
    private const int RawField = 2;
    private const int ContentEncodingField = 3;
    private const int ContentTypeField = 4;
    private static readonly byte[] Magic = "k8s\0"u8.ToArray();

    public static JsonObject Decode(ReadOnlySpan<byte> body) => Decode(body, ProtoSchema.Kubernetes);

    public static JsonObject Decode(ReadOnlySpan<byte> body, ProtoSchema schema)
    {
        if (!body.StartsWith(Magic))
        {
            throw ApiException.BadRequest("provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]");
        }

        string? apiVersion = null, kind = null, encoding = null;
        ReadOnlySpan<byte> raw = default;
        try
        {
            var wire = new ProtoWireReader(body[Magic.Length..]);
            while (!wire.End)
            {
                var (number, wireType) = wire.ReadTag();
                switch (number)
                {
                    case TypeMetaField when wireType == 2:
                        (apiVersion, kind) = ReadTypeMeta(wire.ReadLengthDelimited());
                        break;
                    case RawField when wireType == 2:
                        raw = wire.ReadLengthDelimited();
                        break;
                    case ContentEncodingField when wireType == 2:
                        encoding = Encoding.UTF8.GetString(wire.ReadLengthDelimited());
                        break;
                    default:
                        wire.Skip(wireType); // contentType: the body is protobuf, whatever it says
                        break;
                }
            }

            if (!string.IsNullOrEmpty(encoding))
            {
                throw ApiException.BadRequest($"protobuf contentEncoding \"{encoding}\" is not supported");
            }

            var message = schema.ForKind(apiVersion, kind)
                ?? throw ApiException.UnsupportedMediaType($"{MediaType} (kind {kind} of {apiVersion} only as application/json)");
            var obj = new JsonObject { ["apiVersion"] = apiVersion, ["kind"] = kind };
            ProtobufReader.ReadInto(raw, message, obj);
            return obj;
        }
        catch (ProtobufException e)
        {
            throw ApiException.BadRequest($"unable to decode the protobuf body of kind {kind ?? "(none)"}: {e.Message}");
        }
    }

    /// <summary>The protobuf form of an object, or null when the tables do not cover its kind.</summary>
    /// <exception cref="ProtobufException">The kind is covered but a field is not (e.g. one newer than the tables).</exception>
    public static byte[]? Encode(JsonObject obj) => Encode(obj, ProtoSchema.Kubernetes);

    public static byte[]? Encode(JsonObject obj, ProtoSchema schema)
    {
        var apiVersion = (string?)obj["apiVersion"];
        var kind = (string?)obj["kind"];
        if (schema.ForKind(apiVersion, kind) is not { } message)
        {
            return null;
        }

        var raw = ProtobufWriter.Write(obj, message);
        var wire = new ProtoWireWriter();
        wire.Message(TypeMetaField, w =>
        {
            w.String(1, apiVersion!);
            w.String(2, kind!);
        });
        wire.LengthDelimited(RawField, raw);
        wire.String(ContentEncodingField, "");
        wire.String(ContentTypeField, "");
        return [.. Magic, .. wire.Written];
    }

    private static (string? ApiVersion, string? Kind) ReadTypeMeta(ReadOnlySpan<byte> data)
    {
        string? apiVersion = null, kind = null;
        var wire = new ProtoWireReader(data);
        while (!wire.End)
        {
            var (number, wireType) = wire.ReadTag();
            if (wireType == 2 && number is 1 or 2)
            {
                var text = Encoding.UTF8.GetString(wire.ReadLengthDelimited());
                (apiVersion, kind) = number == 1 ? (text, kind) : (apiVersion, text);
            }
            else
            {
                wire.Skip(wireType);
            }
        }

        return (apiVersion, kind);
    }
}
