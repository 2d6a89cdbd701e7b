using System.Text;
using System.Text.Json.Nodes;
using KubeCloud.LocalCluster.Http;
using KubeCloud.LocalCluster.Resources;
using KubeCloud.LocalCluster.Storage;
using KubeCloud.LocalCluster.Tables;

namespace KubeCloud.LocalCluster.Handlers;

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

        return ResponseWriter.WriteBytesAsync(context.Http, code, Bytes(type, stored));
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
