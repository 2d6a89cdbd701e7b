using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Http;
using KubeCloud.ApiServer.Patching;
using KubeCloud.ApiServer.Resources;
using KubeCloud.ApiServer.Serialization;
using KubeCloud.ApiServer.Storage;

namespace KubeCloud.ApiServer.Handlers;

/// <summary>
/// The scale subresource (autoscaling/v1 Scale) of Deployments, ReplicaSets, StatefulSets,
/// ReplicationControllers and CRDs that declare it: reads and writes the parent's replicas
/// (<c>kubectl scale</c>).
/// </summary>
public sealed class ScaleHandler
{
    private readonly ObjectRegistry _registry;

    public ScaleHandler(ObjectRegistry registry)
    {
        _registry = registry;
    }

    public async Task HandleAsync(ApiContext context, ResourceType type)
    {
        var current = _registry.Get(type, context.Namespace, context.Info.Name);
        var (specPath, statusPath, selectorPath) = Paths(type);
        var scale = Scale(current, specPath, statusPath, selectorPath);
        if (context.Info.Verb == "get")
        {
            await ResponseWriter.WriteNodeAsync(context.Http, 200, scale);
            return;
        }

        var body = await RequestBody.ReadNodeAsync(context.Http);
        var desired = context.Info.Verb switch
        {
            "update" => body as JsonObject,
            "patch" when RequestBody.MediaType(context.Http) == "application/json-patch+json" => Auth.JsonPatch.Apply(scale.DeepClone(), body) as JsonObject,
            "patch" => JsonMergePatch.Apply(scale.DeepClone(), body) as JsonObject,
            _ => throw ApiException.MethodNotSupported(type.GroupResource, context.Info.Verb),
        } ?? throw ApiException.BadRequest("the Scale must be an object");
        if (!JsonNumbers.TryGetLong(desired["spec"]?["replicas"], out var replicas) || replicas < 0)
        {
            throw ApiException.Invalid("Scale", "autoscaling", context.Info.Name, [FieldError.InvalidValue("spec.replicas", desired["spec"]?["replicas"]?.ToJsonString() ?? "null", "must be greater than or equal to 0")]);
        }

        var parent = current.Copy();
        Set(parent, specPath, replicas);
        parent.Metadata().Remove("resourceVersion");
        var options = context.WriteOptions(context.UserAgentManager, managedFieldsSubresource: "scale");
        var stored = _registry.Update(type, context.Namespace, context.Info.Name, "", parent, options, current.Revision);
        await ResponseWriter.WriteNodeAsync(context.Http, 200, Scale(stored, specPath, statusPath, selectorPath));
    }

    private static (string Spec, string Status, string? Selector) Paths(ResourceType type)
    {
        if (type.Custom?.Definition["spec"]?["versions"] is JsonArray versions
            && versions.OfType<JsonObject>().FirstOrDefault(v => (string?)v["name"] == type.Version)?["subresources"]?["scale"] is JsonObject scale)
        {
            return ((string?)scale["specReplicasPath"] ?? ".spec.replicas", (string?)scale["statusReplicasPath"] ?? ".status.replicas", (string?)scale["labelSelectorPath"]);
        }

        return (".spec.replicas", ".status.replicas", null);
    }

    private static JsonObject Scale(StoredObject parent, string specPath, string statusPath, string? selectorPath)
    {
        var obj = parent.Object;
        var metadata = obj.Metadata();
        var status = new JsonObject { ["replicas"] = Get(obj, statusPath) ?? 0 };
        var selector = selectorPath is not null ? Get(obj, selectorPath)?.ToString() : SelectorText(obj["spec"]?["selector"]);
        if (!string.IsNullOrEmpty(selector))
        {
            status["selector"] = selector;
        }

        return new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = metadata["name"]?.DeepClone(),
                ["namespace"] = metadata["namespace"]?.DeepClone(),
                ["uid"] = metadata["uid"]?.DeepClone(),
                ["resourceVersion"] = parent.Revision.ToString(),
                ["creationTimestamp"] = metadata["creationTimestamp"]?.DeepClone(),
            },
            ["spec"] = new JsonObject { ["replicas"] = Get(obj, specPath) ?? 0 },
            ["status"] = status,
        };
    }

    private static string? SelectorText(JsonNode? selector) => selector switch
    {
        JsonObject { } s when s["matchLabels"] is JsonObject labels => string.Join(',', labels.Select(l => $"{l.Key}={l.Value}")),
        JsonObject s when s["matchLabels"] is null && s["matchExpressions"] is null => string.Join(',', s.Select(l => $"{l.Key}={l.Value}")),
        _ => null,
    };

    private static JsonNode? Get(JsonObject obj, string path)
    {
        JsonNode? node = obj;
        foreach (var part in path.TrimStart('.').Split('.'))
        {
            node = node is JsonObject o ? o[part] : null;
        }

        return node?.DeepClone();
    }

    private static void Set(JsonObject obj, string path, long value)
    {
        var parts = path.TrimStart('.').Split('.');
        var node = obj;
        foreach (var part in parts[..^1])
        {
            if (node[part] is not JsonObject child)
            {
                child = [];
                node[part] = child;
            }

            node = child;
        }

        node[parts[^1]] = value;
    }
}
