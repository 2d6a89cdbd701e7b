using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using KubeCloud.ApiServer.OpenApi;

namespace KubeCloud.ApiServer.Patching;

/// <summary>
/// A cursor into an OpenAPI schema that answers what patches need to know about a field: its
/// children, its list items, <c>x-kubernetes-patch-strategy</c> / <c>x-kubernetes-patch-merge-key</c>
/// (built-ins) and <c>x-kubernetes-list-type</c> / <c>x-kubernetes-list-map-keys</c> (also CRDs).
/// Schemas are read-only: a cursor, its children and its answers are computed once and kept (every
/// write walks them for its managed fields).
/// </summary>
public sealed class PatchSchema
{
    private static readonly ConcurrentDictionary<string, PatchSchema> Definitions = new(StringComparer.Ordinal);
    private static readonly ConditionalWeakTable<JsonObject, PatchSchema> Schemas = [];

    private readonly JsonObject? _schema;
    private readonly JsonObject? _field;
    private readonly ConcurrentDictionary<string, PatchSchema> _properties = new(StringComparer.Ordinal);
    private PatchSchema? _additional;
    private PatchSchema? _items;
    private IReadOnlyList<string>? _listMapKeys;
    private int _flags;

    private PatchSchema(JsonObject? schema, JsonObject? field)
    {
        _schema = Resolve(schema);
        _field = field;
    }

    [Flags]
    private enum Flag
    {
        Computed = 1,
        AtomicMap = 2,
        MergesList = 4,
    }

    public static PatchSchema None { get; } = new(null, null);

    public static PatchSchema ForDefinition(string? definitionName) => definitionName is null
        ? new(null, null)
        : Definitions.GetOrAdd(definitionName, name => new(KubernetesOpenApiDocument.Instance.Definition(name), null));

    public static PatchSchema ForSchema(JsonObject? schema) => schema is null ? new(null, null) : Schemas.GetValue(schema, s => new(s, null));

    /// <summary>metav1.ObjectMeta, which every kind's metadata is (also a CRD's, whose schema only says <c>type: object</c>).</summary>
    public static PatchSchema ObjectMeta { get; } = ForDefinition("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");

    /// <summary><c>x-kubernetes-map-type: atomic</c> (a LabelSelector, for one): the object is one value, owned as a whole.</summary>
    public bool IsAtomicMap => (Flags() & Flag.AtomicMap) != 0;

    /// <summary>The field is a declared property of a struct (not a key of a map or of an object of unknown shape).</summary>
    public bool Declares(string name) => _schema?["properties"]?[name] is JsonObject;

    /// <summary>The child schema of a top-level field: metadata is always ObjectMeta.</summary>
    public PatchSchema TopLevelProperty(string name) => name == "metadata" ? ObjectMeta : Property(name);

    public string Strategy => (string?)_field?["x-kubernetes-patch-strategy"] ?? "";

    public bool MergesList => (Flags() & Flag.MergesList) != 0;

    public bool RetainsKeys => Strategy.Split(',').Contains("retainKeys");

    public string ListType => (string?)(_field ?? _schema)?["x-kubernetes-list-type"] ?? "";

    /// <summary>The keys that identify an element of a list of objects: patch merge key or list-map-keys.</summary>
    public IReadOnlyList<string> MergeKeys
    {
        get
        {
            if ((string?)_field?["x-kubernetes-patch-merge-key"] is { } key)
            {
                return [key];
            }

            return (_field ?? _schema)?["x-kubernetes-list-map-keys"] is JsonArray keys ? keys.Select(k => (string?)k ?? "").ToList() : [];
        }
    }

    /// <summary>The keys server-side apply identifies an item by (<c>k:{...}</c>): list-map-keys when declared (ports: containerPort and protocol), else the patch merge key.</summary>
    public IReadOnlyList<string> ListMapKeys => _listMapKeys ??=
        (_field ?? _schema)?["x-kubernetes-list-map-keys"] is JsonArray keys ? keys.Select(k => (string?)k ?? "").ToList() : MergeKeys;

    public PatchSchema Property(string name)
    {
        if (_properties.TryGetValue(name, out var known))
        {
            return known;
        }

        if (_schema?["properties"]?[name] is JsonObject property)
        {
            return _properties.GetOrAdd(name, new PatchSchema(property, property));
        }

        if (_schema?["additionalProperties"] is JsonObject additional)
        {
            return _additional ??= new PatchSchema(additional, additional);
        }

        return None;
    }

    public PatchSchema Items => _items ??= _schema?["items"] is JsonObject items ? new PatchSchema(items, null) : None;

    private Flag Flags()
    {
        var flags = (Flag)Volatile.Read(ref _flags);
        if (flags == 0)
        {
            flags = Flag.Computed;
            if ((string?)_field?["x-kubernetes-map-type"] == "atomic" || (string?)_schema?["x-kubernetes-map-type"] == "atomic")
            {
                flags |= Flag.AtomicMap;
            }

            if (Strategy.Split(',').Contains("merge") || ListType == "set" || ListType == "map")
            {
                flags |= Flag.MergesList;
            }

            Volatile.Write(ref _flags, (int)flags);
        }

        return flags;
    }

    private static JsonObject? Resolve(JsonObject? schema)
    {
        for (var depth = 0; depth < 8 && schema is not null; depth++)
        {
            if (KubernetesOpenApiDocument.RefName(schema) is { } name)
            {
                schema = KubernetesOpenApiDocument.Instance.Definition(name);
            }
            else if (schema["allOf"] is JsonArray { Count: 1 } allOf && allOf[0] is JsonObject single)
            {
                schema = single;
            }
            else
            {
                return schema;
            }
        }

        return schema;
    }
}
