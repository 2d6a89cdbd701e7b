using System.Text.Json.Nodes;
using KubeCloud.LocalCluster.Http;
using KubeCloud.LocalCluster.Resources;
using KubeCloud.LocalCluster.Storage;

namespace KubeCloud.LocalCluster.Patching;

/// <summary>
/// Server-side apply (<c>application/apply-patch+yaml</c>): creates the object or merges the applied
/// configuration into it, records the manager's fields in metadata.managedFields, removes fields the
/// manager applied before and no longer applies (unless another manager owns them), and answers
/// 409 Conflict when another manager owns a field with a different value, unless forced.
/// </summary>
public sealed class ServerSideApply
{
    private readonly ObjectRegistry _registry;

    public ServerSideApply(ObjectRegistry registry)
    {
        _registry = registry;
    }

    public static PatchSchema SchemaOf(ResourceType type) =>
        type.Custom is { } custom ? PatchSchema.ForSchema(custom.Schema) : PatchSchema.ForDefinition(type.DefinitionName);

    public (StoredObject Object, bool Created) Apply(ResourceType type, string ns, string name, string subresource, JsonObject config, WriteOptions options, bool force)
    {
        var schema = SchemaOf(type);
        config.Metadata().Remove("managedFields");
        var applied = FieldSet.Of(config, schema);
        for (var attempt = 0; ; attempt++)
        {
            var current = _registry.Store.Get(type.GroupResource, ns, name);
            if (current is null)
            {
                if (subresource.Length > 0)
                {
                    throw ApiException.NotFound(type.GroupResource, name);
                }

                var created = config.DeepClone().AsObject();
                created.Metadata()["name"] = name;
                created.Metadata()["managedFields"] = new JsonArray(Entry(options.FieldManager, type, applied, subresource));
                try
                {
                    return (_registry.Create(type, ns, created, options), true);
                }
                catch (ApiException e) when (e.Status.Reason == "AlreadyExists" && attempt < 20)
                {
                    continue;
                }
            }

            var live = current.Copy();
            var entries = live.Metadata()["managedFields"] as JsonArray ?? [];
            var others = entries.OfType<JsonObject>()
                .Where(e => !((string?)e["manager"] == options.FieldManager && (string?)e["operation"] == "Apply"))
                .Select(e => (Entry: e, Fields: FieldSet.FromFieldsV1(e["fieldsV1"])))
                .ToList();
            var previous = entries.OfType<JsonObject>()
                .Where(e => (string?)e["manager"] == options.FieldManager && (string?)e["operation"] == "Apply")
                .Select(e => FieldSet.FromFieldsV1(e["fieldsV1"]))
                .FirstOrDefault() ?? new FieldSet([]);

            var conflicts = new List<(string Manager, string Path)>();
            foreach (var leaf in applied.Leaves)
            {
                foreach (var (entry, fields) in others)
                {
                    if (fields.Paths.Contains(leaf) && !JsonNode.DeepEquals(FieldSet.Resolve(live, leaf), FieldSet.Resolve(config, leaf)))
                    {
                        conflicts.Add(((string?)entry["manager"] ?? "", leaf));
                        if (force)
                        {
                            fields.Paths.Remove(leaf);
                        }
                    }
                }
            }

            if (conflicts.Count > 0 && !force)
            {
                throw Conflict(type, name, conflicts);
            }

            var merged = Patching.StrategicMergePatch.Apply(live, config, schema);
            var ownedByOthers = others.SelectMany(o => o.Fields.Paths).ToHashSet(StringComparer.Ordinal);
            foreach (var path in previous.Paths.Except(applied.Paths).OrderByDescending(p => p.Length))
            {
                if (!ownedByOthers.Contains(path) && !ownedByOthers.Any(o => o.StartsWith(path + "/", StringComparison.Ordinal)))
                {
                    FieldSet.Remove(merged, path);
                }
            }

            var newEntries = new JsonArray();
            foreach (var (entry, fields) in others)
            {
                if (fields.Paths.Count > 0)
                {
                    var copy = entry.DeepClone().AsObject();
                    copy["fieldsV1"] = fields.ToFieldsV1();
                    newEntries.Add(copy);
                }
            }

            newEntries.Add(Entry(options.FieldManager, type, applied, subresource));
            merged.Metadata()["managedFields"] = newEntries;
            merged.Metadata()["resourceVersion"] = current.Revision.ToString();
            try
            {
                return (_registry.Update(type, ns, name, subresource, merged, options, current.Revision), false);
            }
            catch (ApiException e) when (e.Status.Reason == "Conflict" && e.Status.Message?.Contains("has been modified", StringComparison.Ordinal) == true && attempt < 20)
            {
            }
        }
    }

    private static JsonObject Entry(string manager, ResourceType type, FieldSet fields, string subresource)
    {
        var entry = new JsonObject
        {
            ["manager"] = manager,
            ["operation"] = "Apply",
            ["apiVersion"] = type.ApiVersion,
            ["time"] = ObjectMetadata.Now(),
            ["fieldsType"] = "FieldsV1",
            ["fieldsV1"] = fields.ToFieldsV1(),
        };
        if (subresource.Length > 0)
        {
            entry["subresource"] = subresource;
        }

        return entry;
    }

    private static ApiException Conflict(ResourceType type, string name, List<(string Manager, string Path)> conflicts)
    {
        var causes = conflicts.Select(c => new Kube.Models.V1StatusCause
        {
            Reason = "FieldManagerConflict",
            Message = $"conflict with \"{c.Manager}\"",
            Field = "." + string.Join('.', FieldSet.Split(c.Path).Select(s => s.StartsWith("f:", StringComparison.Ordinal) ? s[2..] : $"[{s[2..]}]")).Replace(".[", "[", StringComparison.Ordinal),
        }).ToList();
        var lines = string.Join("\n", causes.Select(c => $"- {c.Message}: {c.Field}"));
        var message = conflicts.Count == 1
            ? $"Apply failed with 1 conflict: {causes[0].Message}: {causes[0].Field}"
            : $"Apply failed with {conflicts.Count} conflicts: {string.Join("\n", causes.Select(c => $"{c.Message}: {c.Field}"))}";
        _ = lines;
        var status = ApiException.Failure(409, "Conflict", message, new Kube.Models.V1StatusDetails
        {
            Name = name,
            Group = type.Group.Length == 0 ? null : type.Group,
            Kind = type.Plural,
            Causes = causes,
        });
        return new ApiException(status);
    }
}
