using System.Text;
using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Http;
using KubeCloud.ApiServer.Resources;
using KubeCloud.ApiServer.Serialization;
using KubeCloud.ApiServer.Serialization.Protobuf;
using KubeCloud.ApiServer.Storage;
using KubeCloud.ApiServer.Tables;

namespace KubeCloud.ApiServer.Handlers;

/// <summary>How a stored object is shown to a client: as is (in the requested version), as a Table, or as PartialObjectMetadata.</summary>
public static class ObjectViews
{
    public const string TableContentType = "application/json;as=Table;v=v1;g=meta.k8s.io";

    public static byte[] Bytes(ResourceType type, StoredObject stored)
    {
        if (stored.Object.GetString("apiVersion") == type.ApiVersion)
        {
            return stored.Json;
        }

        var copy = stored.Copy();
        copy["apiVersion"] = type.ApiVersion;
        return Encoding.UTF8.GetBytes(copy.ToJsonString(Serialization.JsonText.Options));
    }

    public static JsonObject Node(ResourceType type, StoredObject stored)
    {
        var copy = stored.Copy();
        copy["apiVersion"] = type.ApiVersion;
        return copy;
    }

    public static Task WriteAsync(ApiContext context, ResourceType type, StoredObject stored, int code)
    {
        if (context.WantsTable)
        {
            var table = TableConverter.Table(type, [Node(type, stored)], new JsonObject { ["resourceVersion"] = stored.Revision.ToString() }, context.Query("includeObject") ?? "Metadata");
            return ResponseWriter.WriteNodeAsync(context.Http, code, table, TableContentType);
        }

        if (context.WantsPartialMetadata)
        {
            return ResponseWriter.WriteNodeAsync(context.Http, code, TableConverter.PartialMetadata(stored.Object));
        }

        if (ProtobufAnswer(context, type, stored) is { } protobuf)
        {
            return ResponseWriter.WriteBytesAsync(context.Http, code, protobuf, ProtobufBodies.MediaType);
        }

        return ResponseWriter.WriteBytesAsync(context.Http, code, Bytes(type, stored));
    }

    /// <summary>
    /// The object in protobuf when the client's first choice is protobuf (client-go clientsets send
    /// <c>Accept: application/vnd.kubernetes.protobuf, application/json</c>). A kind or field the tables do not
    /// cover falls back to JSON when the client accepts it, and is 406 otherwise.
    /// </summary>
    private static byte[]? ProtobufAnswer(ApiContext context, ResourceType type, StoredObject stored)
    {
        var accepted = context.Http.Request.Headers.Accept.ToString()
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (accepted.Length == 0 || !accepted[0].StartsWith(ProtobufBodies.MediaType, StringComparison.OrdinalIgnoreCase) || accepted[0].Contains("as=", StringComparison.Ordinal))
        {
            return null;
        }

        var acceptsJson = accepted.Any(a => a.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) || a.StartsWith("*/*", StringComparison.Ordinal));
        try
        {
            return ProtobufBodies.Encode(Node(type, stored))
                ?? (acceptsJson ? null : throw ApiException.NotAcceptable($"only the following media types are accepted: application/json (kind {type.Kind} has no protobuf form here)"));
        }
        catch (ProtobufException) when (acceptsJson)
        {
            return null; // a field newer than the tables: JSON carries it whole
        }
        catch (ProtobufException e)
        {
            throw ApiException.NotAcceptable($"only the following media types are accepted: application/json ({e.Message})");
        }
    }

    /// <summary>A list body built from the stored bytes, without re-serializing every item.</summary>
    public static byte[] ListBytes(ResourceType type, IEnumerable<StoredObject> items, JsonObject listMetadata)
    {
        var builder = new MemoryStream();
        var head = $"{{\"kind\":\"{type.ListKind}\",\"apiVersion\":\"{type.ApiVersion}\",\"metadata\":{listMetadata.ToJsonString(Serialization.JsonText.Options)},\"items\":[";
        builder.Write(Encoding.UTF8.GetBytes(head));
        var first = true;
        foreach (var item in items)
        {
            if (!first)
            {
                builder.WriteByte((byte)',');
            }

            builder.Write(Bytes(type, item));
            first = false;
        }

        builder.Write("]}"u8);
        return builder.ToArray();
    }
}
