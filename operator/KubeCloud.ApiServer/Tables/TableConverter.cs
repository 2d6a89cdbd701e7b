using System.Globalization;
using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Resources;
using KubeCloud.ApiServer.Storage;

namespace KubeCloud.ApiServer.Tables;

/// <summary>
/// meta.k8s.io/v1 Table responses for <c>kubectl get</c>: NAME then the CRD's printer columns
/// (Age when it declares none), NAME plus AGE (or the few columns of `BuiltInColumns`) for built-ins; each row carries PartialObjectMetadata.
/// </summary>
public static class TableConverter
{
    private static readonly PrinterColumn AgeColumn = new("Age", "date", ".metadata.creationTimestamp", "CreationTimestamp is a timestamp representing the server time when this object was created.");

    public static IReadOnlyList<PrinterColumn> Columns(ResourceType type) =>
        type.Custom is { Columns.Count: > 0 } custom ? custom.Columns : BuiltInColumns.For(type) ?? [AgeColumn];

    public static JsonObject Table(ResourceType type, IEnumerable<JsonObject> objects, JsonObject listMetadata, string includeObject)
    {
        var columns = Columns(type);
        var definitions = new JsonArray(new JsonObject
        {
            ["name"] = "Name",
            ["type"] = "string",
            ["format"] = "name",
            ["description"] = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
            ["priority"] = 0,
        });
        foreach (var column in columns)
        {
            definitions.Add(new JsonObject
            {
                ["name"] = column.Name,
                ["type"] = column.Type,
                ["format"] = column.Format,
                ["description"] = column.Description,
                ["priority"] = column.Priority,
            });
        }

        var rows = new JsonArray();
        foreach (var obj in objects)
        {
            rows.Add(Row(columns, obj, includeObject));
        }

        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = listMetadata,
            ["columnDefinitions"] = definitions,
            ["rows"] = rows,
        };
    }

    private static JsonObject Row(IReadOnlyList<PrinterColumn> columns, JsonObject obj, string includeObject)
    {
        var cells = new JsonArray(JsonValue.Create(obj.Name()));
        foreach (var column in columns)
        {
            var results = SimpleJsonPath.Evaluate(column.JsonPath, obj);
            cells.Add(results.Count == 0 ? null : Cell(column.Type, results[0]));
        }

        var row = new JsonObject { ["cells"] = cells };
        switch (includeObject)
        {
            case "None":
                break;
            case "Object":
                row["object"] = obj.DeepClone();
                break;
            default:
                row["object"] = PartialMetadata(obj);
                break;
        }

        return row;
    }

    public static JsonObject PartialMetadata(JsonObject obj) => new()
    {
        ["kind"] = "PartialObjectMetadata",
        ["apiVersion"] = "meta.k8s.io/v1",
        ["metadata"] = obj.Metadata().DeepClone(),
    };

    private static JsonNode? Cell(string type, JsonNode value)
    {
        if (type == "date")
        {
            return DateTimeOffset.TryParse(value.ToString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
                ? JsonValue.Create(HumanDuration.Format(DateTimeOffset.UtcNow - time))
                : JsonValue.Create("<invalid>");
        }

        return value switch
        {
            JsonValue v when type is "integer" or "number" or "boolean" => v.DeepClone(),
            JsonValue v => JsonValue.Create(v.ToString()),
            _ => JsonValue.Create(value.ToJsonString(Serialization.JsonText.Options)),
        };
    }
}
