using System.Text;
using System.Text.Json.Nodes;
using KubeCloud.LocalCluster.Http;

namespace KubeCloud.LocalCluster.Serialization;

/// <summary>
/// Decodes the Kubernetes protobuf request bodies that typed clients send (client-go clientsets, as
/// helm's release storage and <c>kubectl create configmap|secret|namespace</c>) for the kinds that
/// need it: Secret, ConfigMap, Namespace, DeleteOptions, the access reviews (kubectl auth) and TokenRequest (kubectl create token). The envelope is <c>k8s\0</c> + runtime.Unknown.
/// Field numbers are those of the kinds' generated.proto; other kinds answer 415.
/// </summary>
public static class ProtobufBodies
{
    private static readonly byte[] Magic = [0x6b, 0x38, 0x73, 0x00];

    private enum Kind
    {
        String,
        Bytes,
        Int,
        Bool,
        Message,
        StringMap,
        BytesMap,
        Time,
        Fields,
    }

    private sealed record Field(string Name, Kind Kind, bool Repeated = false, Dictionary<int, Field>? Message = null);

    private static readonly Dictionary<int, Field> TimeMessage = [];
    private static readonly Dictionary<int, Field> OwnerReference = new()
    {
        [1] = new("kind", Kind.String),
        [3] = new("name", Kind.String),
        [4] = new("uid", Kind.String),
        [5] = new("apiVersion", Kind.String),
        [6] = new("controller", Kind.Bool),
        [7] = new("blockOwnerDeletion", Kind.Bool),
    };

    private static readonly Dictionary<int, Field> ManagedFields = new()
    {
        [1] = new("manager", Kind.String),
        [2] = new("operation", Kind.String),
        [3] = new("apiVersion", Kind.String),
        [4] = new("time", Kind.Time),
        [6] = new("fieldsType", Kind.String),
        [7] = new("fieldsV1", Kind.Fields),
        [8] = new("subresource", Kind.String),
    };

    private static readonly Dictionary<int, Field> ResourceAttributes = new()
    {
        [1] = new("namespace", Kind.String),
        [2] = new("verb", Kind.String),
        [3] = new("group", Kind.String),
        [4] = new("version", Kind.String),
        [5] = new("resource", Kind.String),
        [6] = new("subresource", Kind.String),
        [7] = new("name", Kind.String),
    };

    private static readonly Dictionary<int, Field> NonResourceAttributes = new() { [1] = new("path", Kind.String), [2] = new("verb", Kind.String) };

    private static readonly Dictionary<int, Field> ObjectMeta = new()
    {
        [1] = new("name", Kind.String),
        [2] = new("generateName", Kind.String),
        [3] = new("namespace", Kind.String),
        [4] = new("selfLink", Kind.String),
        [5] = new("uid", Kind.String),
        [6] = new("resourceVersion", Kind.String),
        [7] = new("generation", Kind.Int),
        [8] = new("creationTimestamp", Kind.Time),
        [9] = new("deletionTimestamp", Kind.Time),
        [10] = new("deletionGracePeriodSeconds", Kind.Int),
        [11] = new("labels", Kind.StringMap),
        [12] = new("annotations", Kind.StringMap),
        [13] = new("ownerReferences", Kind.Message, true, OwnerReference),
        [14] = new("finalizers", Kind.String, true),
        [17] = new("managedFields", Kind.Message, true, ManagedFields),
    };

    private static readonly Dictionary<string, Dictionary<int, Field>> Kinds = new(StringComparer.Ordinal)
    {
        ["Secret"] = new()
        {
            [1] = new("metadata", Kind.Message, false, ObjectMeta),
            [2] = new("data", Kind.BytesMap),
            [3] = new("type", Kind.String),
            [4] = new("stringData", Kind.StringMap),
            [5] = new("immutable", Kind.Bool),
        },
        ["ConfigMap"] = new()
        {
            [1] = new("metadata", Kind.Message, false, ObjectMeta),
            [2] = new("data", Kind.StringMap),
            [3] = new("binaryData", Kind.BytesMap),
            [4] = new("immutable", Kind.Bool),
        },
        ["Namespace"] = new()
        {
            [1] = new("metadata", Kind.Message, false, ObjectMeta),
            [2] = new("spec", Kind.Message, false, new() { [1] = new("finalizers", Kind.String, true) }),
            [3] = new("status", Kind.Message, false, new() { [1] = new("phase", Kind.String) }),
        },
        ["SelfSubjectAccessReview"] = new()
        {
            [1] = new("metadata", Kind.Message, false, ObjectMeta),
            [2] = new("spec", Kind.Message, false, new() { [1] = new("resourceAttributes", Kind.Message, false, ResourceAttributes), [2] = new("nonResourceAttributes", Kind.Message, false, NonResourceAttributes) }),
        },
        ["SubjectAccessReview"] = new()
        {
            [1] = new("metadata", Kind.Message, false, ObjectMeta),
            [2] = new("spec", Kind.Message, false, new()
            {
                [1] = new("resourceAttributes", Kind.Message, false, ResourceAttributes),
                [2] = new("nonResourceAttributes", Kind.Message, false, NonResourceAttributes),
                [3] = new("user", Kind.String),
                [4] = new("groups", Kind.String, true),
                [6] = new("uid", Kind.String),
            }),
        },
        ["SelfSubjectRulesReview"] = new()
        {
            [1] = new("metadata", Kind.Message, false, ObjectMeta),
            [2] = new("spec", Kind.Message, false, new() { [1] = new("namespace", Kind.String) }),
        },
        ["SelfSubjectReview"] = new() { [1] = new("metadata", Kind.Message, false, ObjectMeta) },
        ["TokenRequest"] = new()
        {
            [1] = new("metadata", Kind.Message, false, ObjectMeta),
            [2] = new("spec", Kind.Message, false, new()
            {
                [1] = new("audiences", Kind.String, true),
                [3] = new("boundObjectRef", Kind.Message, false, new() { [1] = new("kind", Kind.String), [2] = new("apiVersion", Kind.String), [3] = new("name", Kind.String), [4] = new("uid", Kind.String) }),
                [4] = new("expirationSeconds", Kind.Int),
            }),
        },
        ["DeleteOptions"] = new()
        {
            [1] = new("gracePeriodSeconds", Kind.Int),
            [2] = new("preconditions", Kind.Message, false, new() { [1] = new("uid", Kind.String), [2] = new("resourceVersion", Kind.String) }),
            [3] = new("orphanDependents", Kind.Bool),
            [4] = new("propagationPolicy", Kind.String),
            [5] = new("dryRun", Kind.String, true),
        },
    };

    public static JsonObject Decode(byte[] body)
    {
        if (body.Length < Magic.Length || !body.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw ApiException.BadRequest("provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]");
        }

        var unknown = Read(body.AsSpan(Magic.Length), new Dictionary<int, Field>
        {
            [1] = new("typeMeta", Kind.Message, false, new() { [1] = new("apiVersion", Kind.String), [2] = new("kind", Kind.String) }),
            [2] = new("raw", Kind.Bytes),
        });
        var kind = (string?)unknown["typeMeta"]?["kind"] ?? "";
        if (!Kinds.TryGetValue(kind, out var schema))
        {
            throw ApiException.UnsupportedMediaType($"application/vnd.kubernetes.protobuf (kind {kind} only as application/json)");
        }

        var raw = Convert.FromBase64String((string?)unknown["raw"] ?? "");
        var obj = Read(raw, schema);
        obj["apiVersion"] = unknown["typeMeta"]?["apiVersion"]?.DeepClone();
        obj["kind"] = kind;
        return obj;
    }

    private static JsonObject Read(ReadOnlySpan<byte> data, Dictionary<int, Field> schema)
    {
        var obj = new JsonObject();
        var position = 0;
        while (position < data.Length)
        {
            var tag = (long)Varint(data, ref position);
            var number = (int)(tag >> 3);
            var wire = (int)(tag & 7);
            ReadOnlySpan<byte> payload = default;
            ulong scalar = 0;
            switch (wire)
            {
                case 0:
                    scalar = Varint(data, ref position);
                    break;
                case 1:
                    position += 8;
                    break;
                case 2:
                    var length = (int)Varint(data, ref position);
                    payload = data.Slice(position, length);
                    position += length;
                    break;
                case 5:
                    position += 4;
                    break;
                default:
                    throw ApiException.BadRequest($"unsupported protobuf wire type {wire}");
            }

            if (!schema.TryGetValue(number, out var field))
            {
                continue;
            }

            JsonNode? value = field.Kind switch
            {
                Kind.String => Encoding.UTF8.GetString(payload),
                Kind.Bytes => Convert.ToBase64String(payload),
                Kind.Int => (long)scalar,
                Kind.Bool => scalar != 0,
                Kind.Message => Read(payload, field.Message!),
                Kind.Time => TimeOf(payload),
                Kind.Fields => JsonNode.Parse(Read(payload, new() { [1] = new("raw", Kind.String) })["raw"]?.ToString() ?? "{}"),
                _ => null,
            };
            if (field.Kind is Kind.StringMap or Kind.BytesMap)
            {
                var entry = Read(payload, new() { [1] = new("key", Kind.String), [2] = new("value", field.Kind == Kind.StringMap ? Kind.String : Kind.Bytes) });
                var map = obj[field.Name] as JsonObject ?? [];
                map[(string?)entry["key"] ?? ""] = entry["value"]?.DeepClone() ?? "";
                obj[field.Name] = map;
            }
            else if (field.Repeated)
            {
                var list = obj[field.Name] as JsonArray ?? [];
                list.Add(value);
                obj[field.Name] = list;
            }
            else
            {
                obj[field.Name] = value;
            }
        }

        return obj;
    }

    private static JsonNode TimeOf(ReadOnlySpan<byte> payload)
    {
        var position = 0;
        long seconds = 0;
        while (position < payload.Length)
        {
            var tag = Varint(payload, ref position);
            var value = Varint(payload, ref position);
            if (tag >> 3 == 1)
            {
                seconds = (long)value;
            }
        }

        return Storage.ObjectMetadata.Timestamp(DateTimeOffset.FromUnixTimeSeconds(seconds));
    }

    private static ulong Varint(ReadOnlySpan<byte> data, ref int position)
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = data[position++];
            result |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }

        throw ApiException.BadRequest("malformed protobuf varint");
    }
}
