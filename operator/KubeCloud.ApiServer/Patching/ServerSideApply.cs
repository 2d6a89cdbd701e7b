using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Http;
using KubeCloud.ApiServer.Resources;
using KubeCloud.ApiServer.Storage;

namespace KubeCloud.ApiServer.Patching;

/// <summary>
/// Server-side apply (<c>application/apply-patch+yaml</c>) as kube-apiserver's field manager does it:
/// creates the object or merges the applied configuration into it, removes fields the manager applied
/// before and no longer applies (unless another manager owns them), and records in
/// metadata.managedFields that the manager owns exactly what it applied. A field another manager
/// owns (an applier or any update) whose value the apply changes is a 409 Conflict naming manager and
/// field, unless forced (the field then changes hands); the same value is shared ownership. kubectl's
/// own apply (manager <c>kubectl</c>) may take fields its client-side apply set and nobody changed
/// since (the last-applied annotation), and keeps that annotation in step, as kube does for the
/// migration from client-side apply.
/// </summary>
public sealed class ServerSideApply
{
    public const string LastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";
    private const string KubectlManager = "kubectl";

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
        var applied = OwnableFields(type, subresource, FieldSet.Of(config, schema));
        var manager = options.FieldManager;
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
                created.Metadata()["managedFields"] = new JsonArray(new FieldManagerEntry(manager, ManagedFields.Apply, type.ApiVersion, "", ObjectMetadata.Now(), applied).ToJson());
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
            var managed = ManagedFields.Parse(live.Metadata()["managedFields"]);
            var own = managed.Find(manager, ManagedFields.Apply, type.ApiVersion, subresource);
            var others = managed.Entries.Where(e => e != own).ToList();
            var merged = Merge(live, config, schema, own?.Fields ?? new FieldSet(), applied, others);
            var change = FieldComparison.Of(live, merged, schema);
            OwnableFields(type, subresource, change.Added);
            OwnableFields(type, subresource, change.Modified);
            OwnableFields(type, subresource, change.Removed);
            var changed = change.Changed;
            var conflicts = others.SelectMany(o => o.Fields.Paths.Where(changed.Contains).Select(path => (Manager: o, Path: path))).ToList();
            if (conflicts.Count > 0 && !force && !(manager == KubectlManager && AllowedByLastApplied(live, schema, conflicts.Select(c => c.Path))))
            {
                throw Conflict(conflicts);
            }

            foreach (var other in others)
            {
                other.Fields.Paths.ExceptWith(changed);
                other.Fields.Paths.ExceptWith(change.Removed.Paths);
            }

            if (own is null)
            {
                own = new FieldManagerEntry(manager, ManagedFields.Apply, type.ApiVersion, subresource, null, applied);
                managed.Entries.Add(own);
            }

            own.Fields = applied;
            own.Time = ObjectMetadata.Now();
            managed.DropEmpty();
            managed.WriteTo(merged);
            if (manager == KubectlManager)
            {
                KeepLastAppliedInStep(merged, config);
            }

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

    /// <summary>The applied configuration merged into the live object, less what this manager applied before and no longer applies (when nobody else owns it).</summary>
    private static JsonObject Merge(JsonObject live, JsonObject config, PatchSchema schema, FieldSet previous, FieldSet applied, List<FieldManagerEntry> others)
    {
        var merged = StrategicMergePatch.Apply(live, config, schema);
        // Outermost first: a list item goes whole (its key fields are needed to find it), and what is under a removed
        // element is gone with it.
        foreach (var path in previous.Paths.Except(applied.Paths).OrderBy(p => p.Length).ThenBy(p => p, StringComparer.Ordinal))
        {
            if (!applied.Covers(path) && !others.Any(o => o.Fields.Covers(path)) && FieldSet.Remove(merged, path))
            {
                PruneEmptyParents(merged, path, applied, others);
            }
        }

        return merged;
    }

    /// <summary>
    /// A struct emptied by the removal of the fields this manager stopped applying goes too (structured-merge-diff
    /// keeps a struct only through what it contains), unless someone owns it as a member (an empty map applied on
    /// purpose); top-level fields (spec, status) stay. Without this an optional struct with required fields, such as a
    /// fault cleared by leaving it out, would be left as an invalid <c>{}</c>.
    /// </summary>
    private static void PruneEmptyParents(JsonObject merged, string path, FieldSet applied, List<FieldManagerEntry> others)
    {
        var parent = path;
        while (parent.LastIndexOf('/') is var slash && slash > 0)
        {
            parent = parent[..slash];
            if (parent.IndexOf('/', StringComparison.Ordinal) < 0 || !parent[(parent.LastIndexOf('/') + 1)..].StartsWith("f:", StringComparison.Ordinal))
            {
                return;
            }

            if (FieldSet.Get(merged, parent) is not JsonObject { Count: 0 } || applied.Paths.Contains(parent) || others.Any(o => o.Fields.Paths.Contains(parent)))
            {
                return;
            }

            FieldSet.Remove(merged, parent);
        }
    }

    /// <summary>What an apply can own and change (kube's reset fields): a write to the object does not touch status when status is a subresource, a write to status touches only status.</summary>
    private static FieldSet OwnableFields(ResourceType type, string subresource, FieldSet fields)
    {
        fields.Paths.RemoveWhere(p => !Ownable(type, subresource, p));
        return fields;
    }

    private static bool Ownable(ResourceType type, string subresource, string path)
    {
        var isStatus = path == "f:status" || path.StartsWith("f:status/", StringComparison.Ordinal);
        return subresource == "status" ? isStatus : !isStatus || !type.HasSubresource("status");
    }

    /// <summary>
    /// kube's lastAppliedManager: conflicts of kubectl's apply are allowed when every conflicting field
    /// is in the client-side last-applied configuration and still has that value (nobody changed it since).
    /// </summary>
    private static bool AllowedByLastApplied(JsonObject live, PatchSchema schema, IEnumerable<string> conflicts)
    {
        if (live.Metadata()["annotations"]?[LastAppliedAnnotation] is not JsonValue value || !value.TryGetValue<string>(out var text) || text.Length == 0)
        {
            return false;
        }

        JsonObject? lastApplied;
        try
        {
            lastApplied = JsonNode.Parse(text) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }

        if (lastApplied is null)
        {
            return false;
        }

        var allowed = FieldSet.Of(lastApplied, schema).Paths;
        allowed.ExceptWith(FieldComparison.Of(lastApplied, live, schema).Modified.Paths);
        return conflicts.All(allowed.Contains);
    }

    /// <summary>kube's lastAppliedUpdater: kubectl's server-side apply rewrites an existing last-applied annotation to what it applied.</summary>
    private static void KeepLastAppliedInStep(JsonObject merged, JsonObject config)
    {
        if (merged.Metadata()["annotations"] is not JsonObject annotations || !annotations.ContainsKey(LastAppliedAnnotation))
        {
            return;
        }

        var lastApplied = config.DeepClone().AsObject();
        if (lastApplied.Metadata()["annotations"] is JsonObject own)
        {
            own.Remove(LastAppliedAnnotation);
            if (own.Count == 0)
            {
                lastApplied.Metadata().Remove("annotations");
            }
        }

        annotations[LastAppliedAnnotation] = lastApplied.ToJsonString(Serialization.JsonText.Options);
    }

    /// <summary>kube-apiserver's apply conflict: <c>Apply failed with 1 conflict: conflict with "kubectl-patch" using v1: .data.a</c>, one cause per field.</summary>
    public static ApiException Conflict(IReadOnlyList<(FieldManagerEntry Manager, string Path)> conflicts)
    {
        conflicts = conflicts
            .OrderBy(c => c.Manager.Manager, StringComparer.Ordinal)
            .ThenBy(c => c.Manager.Operation, StringComparer.Ordinal)
            .ThenBy(c => c.Manager.ApiVersion, StringComparer.Ordinal)
            .ThenBy(c => c.Manager.Subresource, StringComparer.Ordinal)
            .ThenBy(c => c.Path, StringComparer.Ordinal)
            .ToList();
        var causes = conflicts.Select(c => new k8s.Models.V1StatusCause
        {
            Reason = "FieldManagerConflict",
            Message = $"conflict with {c.Manager.Describe()}",
            Field = FieldSet.Describe(c.Path),
        }).ToList();
        string message;
        if (conflicts.Count == 1)
        {
            message = $"Apply failed with 1 conflict: {causes[0].Message}: {causes[0].Field}";
        }
        else
        {
            var lines = conflicts.GroupBy(c => c.Manager.Describe(), StringComparer.Ordinal)
                .SelectMany(g => g.Select(c => $"- {FieldSet.Describe(c.Path)}").Prepend($"conflicts with {g.Key}:"));
            message = $"Apply failed with {conflicts.Count} conflicts: {string.Join("\n", lines)}";
        }

        return new ApiException(ApiException.Failure(409, "Conflict", message, new k8s.Models.V1StatusDetails { Causes = causes }));
    }
}
