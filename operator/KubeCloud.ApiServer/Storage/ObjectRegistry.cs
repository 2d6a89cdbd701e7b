using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Http;
using KubeCloud.ApiServer.Patching;
using KubeCloud.ApiServer.Resources;
using KubeCloud.ApiServer.Validation;

namespace KubeCloud.ApiServer.Storage;

/// <summary>
/// The generic registry of kube-apiserver: create, update, delete with the semantics every kind
/// shares (system metadata, status subresource, generation, finalizers and deletionTimestamp,
/// namespaces, validation, dryRun). HTTP handlers and the cluster's controllers both write through it.
/// </summary>
public sealed class ObjectRegistry
{
    public const string ForegroundFinalizer = "foregroundDeletion";
    public const string OrphanFinalizer = "orphan";
    public static readonly GroupResource Namespaces = new("", "namespaces");

    private readonly ObjectValidation _validation;
    private readonly IObjectAdmission _admission;

    public ObjectRegistry(ObjectStore store, ResourceRegistry resources, ObjectValidation validation, IObjectAdmission? admission = null)
    {
        Store = store;
        Resources = resources;
        _validation = validation;
        _admission = admission ?? new NoAdmission();
    }

    public ObjectStore Store { get; }

    public ResourceRegistry Resources { get; }

    public StoredObject Get(ResourceType type, string ns, string name) =>
        Store.Get(type.GroupResource, ns, name) ?? throw ApiException.NotFound(type.GroupResource, name);

    public StoredObject Create(ResourceType type, string ns, JsonObject obj, WriteOptions options)
    {
        CheckTypeMeta(type, obj);
        var metadata = obj.Metadata();
        var bodyNamespace = obj.Namespace();
        if (type.Namespaced)
        {
            if (bodyNamespace.Length > 0 && ns.Length > 0 && bodyNamespace != ns)
            {
                throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }

            ns = ns.Length > 0 ? ns : bodyNamespace;
            metadata["namespace"] = ns;
            CheckNamespaceAcceptsObjects(type, ns, obj);
        }
        else
        {
            metadata.Remove("namespace");
        }

        if (string.IsNullOrEmpty(obj.Name()) && metadata.GetString("generateName") is { Length: > 0 } prefix)
        {
            metadata["name"] = prefix + GeneratedSuffix();
        }

        metadata["uid"] = Guid.NewGuid().ToString();
        metadata["creationTimestamp"] = ObjectMetadata.Now();
        metadata.Remove("resourceVersion");
        metadata.Remove("deletionTimestamp");
        metadata.Remove("deletionGracePeriodSeconds");
        metadata.Remove("selfLink");
        if (type.IsCustom || HasGeneration(type))
        {
            metadata["generation"] = 1;
        }
        else
        {
            metadata.Remove("generation");
        }

        if (type.HasSubresource("status"))
        {
            obj.Remove("status");
        }

        BuiltInDefaults.OnCreate(type, obj);
        obj = _admission.Mutate("CREATE", type, "", obj, null, options);
        _validation.Validate(type, obj, null, options);
        _admission.Validate("CREATE", type, "", obj, null, options);
        RecordUpdate(type, null, obj, obj.Metadata()["managedFields"], "", options);
        if (options.DryRun)
        {
            metadata["resourceVersion"] = "";
            return new StoredObject(obj, Store.Revision);
        }

        return Store.Create(type.GroupResource, obj);
    }

    /// <summary>
    /// Replaces an object (PUT, or the result of a patch) on the main resource or its status.
    /// <paramref name="expectedRevision"/> is the revision the caller read (patches) or null
    /// (then metadata.resourceVersion of the body, when set, must match).
    /// </summary>
    public StoredObject Update(ResourceType type, string ns, string name, string subresource, JsonObject obj, WriteOptions options, long? expectedRevision = null)
    {
        CheckTypeMeta(type, obj);
        var current = Get(type, ns, name);
        if (obj.Name() is { Length: > 0 } bodyName && bodyName != name)
        {
            throw ApiException.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
        }

        if (type.Namespaced && obj.Namespace() is { Length: > 0 } bodyNs && bodyNs != ns)
        {
            throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }

        var bodyRevision = obj.Metadata().GetString("resourceVersion");
        if (expectedRevision is null && !string.IsNullOrEmpty(bodyRevision))
        {
            if (!long.TryParse(bodyRevision, out var parsed))
            {
                throw ApiException.BadRequest($"invalid resourceVersion \"{bodyRevision}\"");
            }

            expectedRevision = parsed;
        }

        var revision = expectedRevision ?? current.Revision;
        if (revision != current.Revision)
        {
            throw ApiException.StaleObject(type.GroupResource, name);
        }

        var old = current.Object;
        var requestedManagedFields = obj.Metadata()["managedFields"];
        JsonObject updated;
        if (subresource == "status")
        {
            updated = current.Copy();
            if (obj["status"] is { } status)
            {
                updated["status"] = status.DeepClone();
            }
            else
            {
                updated.Remove("status");
            }

            if (!options.TracksManagedFields && obj.Metadata()["managedFields"] is { } managed)
            {
                updated.Metadata()["managedFields"] = managed.DeepClone();
            }
        }
        else
        {
            updated = obj.DeepClone().AsObject();
            if (type.HasSubresource("status"))
            {
                if (old["status"] is { } oldStatus)
                {
                    updated["status"] = oldStatus.DeepClone();
                }
                else
                {
                    updated.Remove("status");
                }
            }
        }

        var metadata = updated.Metadata();
        var oldMetadata = old.Metadata();
        foreach (var field in new[] { "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "namespace", "name" })
        {
            if (oldMetadata[field] is { } value)
            {
                metadata[field] = value.DeepClone();
            }
            else
            {
                metadata.Remove(field);
            }
        }

        metadata.Remove("resourceVersion");
        if (metadata["generation"] is not null && !ObjectMetadata.SameContent(old, updated))
        {
            metadata["generation"] = (Serialization.JsonNumbers.TryGetLong(oldMetadata["generation"], out var generation) ? generation : 0) + 1;
        }

        if (old.IsDeleting() && updated.Finalizers().Except(old.Finalizers()).Any())
        {
            throw ApiException.Invalid(type.Kind, type.Group, name, [FieldError.Forbidden("metadata.finalizers", "no new finalizers can be added if the object is being deleted")]);
        }

        updated = _admission.Mutate("UPDATE", type, subresource, updated, old, options);
        _validation.Validate(type, updated, old, options);
        _admission.Validate("UPDATE", type, subresource, updated, old, options);
        RecordUpdate(type, old, updated, requestedManagedFields, subresource, options);
        metadata = updated.Metadata();
        metadata["resourceVersion"] = current.Revision.ToString();
        if (Unchanged(old, updated))
        {
            return current;
        }

        if (options.DryRun)
        {
            return new StoredObject(updated, current.Revision);
        }

        metadata.Remove("resourceVersion");
        if (updated.IsDeleting() && updated.Finalizers().Count == 0)
        {
            return Store.Delete(type.GroupResource, ns, name, current.Revision);
        }

        return Store.Update(type.GroupResource, updated, current.Revision);
    }

    /// <summary>
    /// Deletes an object: at once when nothing holds it, otherwise marks it with deletionTimestamp
    /// and leaves it to its finalizers. Returns the last state and whether it is gone.
    /// </summary>
    public (StoredObject Object, bool Gone) Delete(ResourceType type, string ns, string name, DeleteOptions options)
    {
        var current = Get(type, ns, name);
        if (options.PreconditionUid is { } uid && uid != current.Uid)
        {
            throw ApiException.Conflict(type.GroupResource, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {current.Uid}");
        }

        if (options.PreconditionResourceVersion is { } rv && rv != current.Revision.ToString())
        {
            throw ApiException.Conflict(type.GroupResource, name, $"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {current.Revision}");
        }

        if (options.User is not null)
        {
            _admission.Validate("DELETE", type, "", null, current.Object, new WriteOptions { DryRun = options.DryRun, User = options.User });
        }

        if (options.DryRun)
        {
            return (current, false);
        }

        var obj = current.Copy();
        var finalizers = obj.Finalizers();
        var policy = options.PropagationPolicy ?? DeleteOptions.Background;
        if (policy == DeleteOptions.Foreground && !finalizers.Contains(ForegroundFinalizer))
        {
            finalizers.Add(ForegroundFinalizer);
        }
        else if (policy == DeleteOptions.Orphan && !finalizers.Contains(OrphanFinalizer))
        {
            finalizers.Add(OrphanFinalizer);
        }

        var isNamespace = type.GroupResource == Namespaces;
        if (finalizers.Count == 0 && !isNamespace)
        {
            return (Store.Delete(type.GroupResource, ns, name, current.Revision), true);
        }

        if (obj.IsDeleting() && finalizers.SequenceEqual(obj.Finalizers()))
        {
            return (current, false);
        }

        obj.SetFinalizers(finalizers);
        var metadata = obj.Metadata();
        if (!obj.IsDeleting())
        {
            metadata["deletionTimestamp"] = ObjectMetadata.Now();
            metadata["deletionGracePeriodSeconds"] = 0;
        }

        if (isNamespace)
        {
            var status = obj["status"] as JsonObject ?? [];
            status["phase"] = "Terminating";
            obj["status"] = status;
        }

        metadata.Remove("resourceVersion");
        return (Store.Update(type.GroupResource, obj, current.Revision), false);
    }

    /// <summary>Removes a finalizer a controller held (GC, namespace lifecycle, CRD cleanup); deletes the object when it was the last.</summary>
    public void ReleaseFinalizer(ResourceType type, string ns, string name, string finalizer)
    {
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var current = Store.Get(type.GroupResource, ns, name);
            if (current is null || !current.Object.Finalizers().Contains(finalizer))
            {
                return;
            }

            var obj = current.Copy();
            obj.SetFinalizers(obj.Finalizers().Where(f => f != finalizer).ToList());
            try
            {
                if (obj.IsDeleting() && obj.Finalizers().Count == 0)
                {
                    Store.Delete(type.GroupResource, ns, name, current.Revision);
                }
                else
                {
                    obj.Metadata().Remove("resourceVersion");
                    Store.Update(type.GroupResource, obj, current.Revision);
                }

                return;
            }
            catch (ApiException e) when (e.Code == 409)
            {
            }
        }
    }

    /// <summary>kube's field manager for non-apply writes: the writer's manager takes the fields the write added or changed (see <see cref="ManagedFields"/>).</summary>
    private static void RecordUpdate(ResourceType type, JsonObject? old, JsonObject updated, JsonNode? requested, string subresource, WriteOptions options)
    {
        if (!options.TracksManagedFields)
        {
            return;
        }

        ManagedFields.RecordWrite(old, updated, requested, ServerSideApply.SchemaOf(type), options.FieldManager, type.ApiVersion, subresource, options.ManagedFieldsSubresource ?? subresource);
    }

    private static bool HasGeneration(ResourceType type) => type.DefinitionName is { } definition &&
        OpenApi.KubernetesOpenApiDocument.Instance.Definition(definition)?["properties"]?["spec"] is not null;

    private static bool Unchanged(JsonObject old, JsonObject updated)
    {
        // managedFields timestamps alone are not a change (an idempotent apply keeps the resourceVersion).
        // Compared in place, member by member, rather than on two deep copies with the timestamps removed.
        return SameExcept(old, updated, "metadata") && (old["metadata"], updated["metadata"]) switch
        {
            (JsonObject a, JsonObject b) => SameExcept(a, b, "managedFields") && SameManagedFields(a["managedFields"], b["managedFields"]),
            var (a, b) => JsonNode.DeepEquals(a, b),
        };

        static bool SameExcept(JsonObject a, JsonObject b, string skipped) =>
            a.Count(p => p.Key != skipped) == b.Count(p => p.Key != skipped) &&
            a.All(p => p.Key == skipped || (b.TryGetPropertyValue(p.Key, out var other) && JsonNode.DeepEquals(p.Value, other)));

        static bool SameManagedFields(JsonNode? a, JsonNode? b) => (a, b) switch
        {
            (JsonArray x, JsonArray y) => x.Count == y.Count && x.Zip(y).All(e => e.First is JsonObject ex && e.Second is JsonObject ey
                ? SameExcept(ex, ey, "time")
                : JsonNode.DeepEquals(e.First, e.Second)),
            _ => JsonNode.DeepEquals(a, b),
        };
    }

    private static void CheckTypeMeta(ResourceType type, JsonObject obj)
    {
        var apiVersion = obj.GetString("apiVersion");
        var kind = obj.GetString("kind");
        if (apiVersion is { Length: > 0 } && apiVersion != type.ApiVersion && !SameGroup(apiVersion, type))
        {
            throw ApiException.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({type.ApiVersion})");
        }

        if (kind is { Length: > 0 } && kind != type.Kind)
        {
            throw ApiException.BadRequest($"the kind in the data ({kind}) does not match the expected kind ({type.Kind})");
        }

        obj["apiVersion"] = type.ApiVersion;
        obj["kind"] = type.Kind;
    }

    private static bool SameGroup(string apiVersion, ResourceType type)
    {
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        return (slash < 0 ? "" : apiVersion[..slash]) == type.Group;
    }

    private void CheckNamespaceAcceptsObjects(ResourceType type, string ns, JsonObject obj)
    {
        if (ns.Length == 0)
        {
            throw ApiException.BadRequest("the server could not find the requested resource");
        }

        var namespaceObject = Store.Get(Namespaces, "", ns) ?? throw ApiException.NotFound(Namespaces, ns);
        if (namespaceObject.Object.IsDeleting())
        {
            var status = ApiException.Failure(403, "Forbidden",
                $"{type.GroupResource} \"{obj.Name()}\" is forbidden: unable to create new content in namespace {ns} because it is being terminated",
                new k8s.Models.V1StatusDetails
                {
                    Name = obj.Name(),
                    Group = type.Group.Length == 0 ? null : type.Group,
                    Kind = type.Plural,
                    Causes = [new k8s.Models.V1StatusCause { Reason = "NamespaceTerminating", Message = $"namespace {ns} is being terminated", Field = "metadata.namespace" }],
                });
            throw new ApiException(status);
        }
    }

    private static string GeneratedSuffix()
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        return string.Create(5, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = alphabet[Random.Shared.Next(alphabet.Length)];
            }
        });
    }
}
