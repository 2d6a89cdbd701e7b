using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Storage;

namespace KubeCloud.ApiServer.Patching;

/// <summary>One metadata.managedFields entry: who (manager, operation, apiVersion for updates, subresource) owns which fields.</summary>
public sealed class FieldManagerEntry
{
    public FieldManagerEntry(string manager, string operation, string apiVersion, string subresource, string? time, FieldSet fields)
    {
        Manager = manager;
        Operation = operation;
        ApiVersion = apiVersion;
        Subresource = subresource;
        Time = time;
        Fields = fields;
    }

    public string Manager { get; }

    public string Operation { get; }

    public string ApiVersion { get; }

    public string Subresource { get; }

    public string? Time { get; set; }

    public FieldSet Fields { get; set; }

    public bool IsApply => Operation == ManagedFields.Apply;

    /// <summary>Whether this entry is the one a write by the given manager records into (kube's manager identifier: appliers regardless of apiVersion).</summary>
    public bool Is(string manager, string operation, string apiVersion, string subresource) =>
        Manager == manager && Operation == operation && Subresource == subresource && (operation == ManagedFields.Apply || ApiVersion == apiVersion);

    /// <summary>The manager as kube-apiserver names it in a conflict: <c>"kubectl-patch" using v1</c>, <c>"x" with subresource "status"</c>.</summary>
    public string Describe()
    {
        var text = $"\"{Manager}\"";
        if (Subresource.Length > 0)
        {
            text += $" with subresource \"{Subresource}\"";
        }

        return IsApply ? text : $"{text} using {ApiVersion}";
    }

    public JsonObject ToJson()
    {
        var entry = new JsonObject
        {
            ["manager"] = Manager,
            ["operation"] = Operation,
            ["apiVersion"] = ApiVersion,
        };
        if (Time is not null)
        {
            entry["time"] = Time;
        }

        entry["fieldsType"] = "FieldsV1";
        entry["fieldsV1"] = Fields.ToFieldsV1();
        if (Subresource.Length > 0)
        {
            entry["subresource"] = Subresource;
        }

        return entry;
    }

    public static FieldManagerEntry FromJson(JsonObject entry) => new(
        (string?)entry["manager"] ?? "",
        (string?)entry["operation"] ?? ManagedFields.Update,
        (string?)entry["apiVersion"] ?? "",
        (string?)entry["subresource"] ?? "",
        (string?)entry["time"],
        FieldSet.FromFieldsV1(entry["fieldsV1"]));
}

/// <summary>
/// metadata.managedFields as kube-apiserver's field manager keeps it. Every write records what it
/// changed: an update (create, update, patch, on the object or a subresource) takes the fields it added
/// or modified from everyone and gives them to its manager (operation <c>Update</c>); fields it removed
/// leave every manager; an apply owns exactly what it applied (<see cref="ServerSideApply"/>). Managers
/// left without fields are dropped; entries are ordered as kube orders them.
/// </summary>
public sealed class ManagedFields
{
    public const string Apply = "Apply";
    public const string Update = "Update";

    private ManagedFields(List<FieldManagerEntry> entries)
    {
        Entries = entries;
    }

    public List<FieldManagerEntry> Entries { get; }

    public static ManagedFields Parse(JsonNode? managedFields) =>
        new((managedFields as JsonArray ?? []).OfType<JsonObject>().Select(FieldManagerEntry.FromJson).ToList());

    /// <summary>
    /// The managed fields an update starts from, as kube decides: the live object's for a subresource
    /// write or when the request carries none; none at all when it carries an empty list (a reset);
    /// otherwise the request's own (kubectl's migration from client-side apply rewrites them so).
    /// </summary>
    public static ManagedFields ForUpdate(JsonNode? requested, JsonNode? live, bool subresource) => requested switch
    {
        _ when subresource => Parse(live),
        JsonArray { Count: 0 } => Parse(null),
        JsonArray { Count: > 0 } => Parse(requested),
        _ => Parse(live),
    };

    public FieldManagerEntry? Find(string manager, string operation, string apiVersion, string subresource) =>
        Entries.FirstOrDefault(e => e.Is(manager, operation, apiVersion, subresource));

    /// <summary>
    /// Records a non-apply write (create when <paramref name="old"/> is null) in <paramref name="updated"/>'s
    /// metadata.managedFields: the managed fields it starts from (<see cref="ForUpdate"/>), what it changed
    /// against <paramref name="old"/>, owned by <paramref name="manager"/> under <paramref name="entrySubresource"/>.
    /// </summary>
    public static void RecordWrite(JsonObject? old, JsonObject updated, JsonNode? requested, PatchSchema schema, string manager, string apiVersion, string subresource, string entrySubresource)
    {
        var managed = old is null
            ? ForUpdate(requested, null, false)
            : ForUpdate(requested, old.Metadata()["managedFields"], subresource.Length > 0);
        var change = FieldComparison.Of(old ?? [], updated, schema);
        managed.RecordUpdate(change, manager, apiVersion, entrySubresource);
        managed.WriteTo(updated);
    }

    /// <summary>Records a non-apply write by <paramref name="manager"/> that made <paramref name="change"/>.</summary>
    public void RecordUpdate(FieldComparison change, string manager, string apiVersion, string subresource)
    {
        var changed = change.Changed;
        foreach (var entry in Entries)
        {
            entry.Fields.Paths.ExceptWith(changed);
            entry.Fields.Paths.ExceptWith(change.Removed.Paths);
        }

        if (changed.Count > 0)
        {
            var own = Find(manager, Update, apiVersion, subresource);
            if (own is null)
            {
                own = new FieldManagerEntry(manager, Update, apiVersion, subresource, null, new FieldSet());
                Entries.Add(own);
            }

            own.Fields.Paths.UnionWith(changed);
            own.Time = ObjectMetadata.Now();
        }

        DropEmpty();
    }

    public void DropEmpty() => Entries.RemoveAll(e => e.Fields.IsEmpty);

    /// <summary>The JSON list, sorted as kube-apiserver sorts it: appliers first, then by time, manager, apiVersion, subresource.</summary>
    public JsonArray ToJson()
    {
        var sorted = Entries
            .OrderBy(e => e.Operation, StringComparer.Ordinal)
            .ThenBy(e => e.Time ?? "", StringComparer.Ordinal)
            .ThenBy(e => e.Manager, StringComparer.Ordinal)
            .ThenBy(e => e.ApiVersion, StringComparer.Ordinal)
            .ThenBy(e => e.Subresource, StringComparer.Ordinal);
        return new JsonArray(sorted.Select(e => (JsonNode)e.ToJson()).ToArray());
    }

    /// <summary>Writes the entries into an object's metadata (none: the field goes).</summary>
    public void WriteTo(JsonObject obj)
    {
        if (Entries.Count == 0)
        {
            obj.Metadata().Remove("managedFields");
        }
        else
        {
            obj.Metadata()["managedFields"] = ToJson();
        }
    }
}
