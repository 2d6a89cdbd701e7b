using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Resources;

namespace KubeCloud.ApiServer.OpenApi;

/// <summary>
/// OpenAPI v3 documents per group version, as kube-apiserver serves them under /openapi/v3/...:
/// built-ins converted from the v2 document (paths with inlined parameters, the definitions they
/// reach as components.schemas), custom resources from their CRD schemas.
/// </summary>
public static class OpenApiV3Builder
{
    private static readonly ConcurrentDictionary<string, string> BuiltInDocuments = new(StringComparer.Ordinal);
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch"];

    /// <summary>The v3 path of a group version: "api/v1", "apis/apps/v1".</summary>
    public static string PathOf(string group, string version) => group.Length == 0 ? $"api/{version}" : $"apis/{group}/{version}";

    public static string BuiltIn(string group, string version) => BuiltInDocuments.GetOrAdd(PathOf(group, version), key =>
    {
        var document = KubernetesOpenApiDocument.Instance;
        var prefix = "/" + key + "/";
        var paths = new JsonObject();
        var roots = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (path, item) in document.Paths)
        {
            if (path.StartsWith(prefix, StringComparison.Ordinal) && item is JsonObject operations)
            {
                paths[path] = ConvertPathItem(operations, document, roots);
            }
        }

        foreach (var ((g, v, _), name) in document.DefinitionsByKind)
        {
            if (g == group && v == version)
            {
                roots.Add(name);
            }
        }

        return Document(key, paths, Closure(roots, document, [])).ToJsonString(Serialization.JsonText.Options);
    });

    /// <summary>A group version's document for custom resources (and any built-ins sharing the group version).</summary>
    public static JsonObject Custom(string group, string version, IEnumerable<ResourceType> resources)
    {
        var document = KubernetesOpenApiDocument.Instance;
        var paths = new JsonObject();
        var schemas = new JsonObject();
        var roots = new HashSet<string>(StringComparer.Ordinal) { "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta", "io.k8s.apimachinery.pkg.apis.meta.v1.Status", "io.k8s.apimachinery.pkg.apis.meta.v1.Patch", "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions" };
        foreach (var resource in resources)
        {
            var name = DefinitionName(resource);
            schemas[name] = CustomSchema(resource, "#/components/schemas/");
            schemas[name + "List"] = ListSchema(resource, name, "#/components/schemas/");
            foreach (var (path, item) in CustomPaths(resource, name, "#/components/schemas/"))
            {
                paths[path] = item;
            }
        }

        var result = Document(PathOf(group, version), paths, Closure(roots, document, schemas));
        return result;
    }

    /// <summary>"io.kubecloud.v1alpha1.Server": the reversed group, as kube-apiserver names CRD definitions.</summary>
    public static string DefinitionName(ResourceType resource) =>
        string.Join('.', resource.Group.Split('.').Reverse()) + "." + resource.Version + "." + resource.Kind;

    public static JsonObject CustomSchema(ResourceType resource, string refPrefix)
    {
        var schema = resource.Custom?.Schema?.DeepClone().AsObject() ?? new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true };
        var properties = schema["properties"] as JsonObject ?? [];
        schema["properties"] = properties;
        properties["apiVersion"] = new JsonObject { ["type"] = "string", ["description"] = "APIVersion defines the versioned schema of this representation of an object." };
        properties["kind"] = new JsonObject { ["type"] = "string", ["description"] = "Kind is a string value representing the REST resource this object represents." };
        properties["metadata"] = new JsonObject { ["allOf"] = new JsonArray(new JsonObject { ["$ref"] = refPrefix + "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" }), ["description"] = "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata" };
        schema["x-kubernetes-group-version-kind"] = new JsonArray(Gvk(resource.Group, resource.Version, resource.Kind));
        return schema;
    }

    public static JsonObject ListSchema(ResourceType resource, string itemName, string refPrefix) => new()
    {
        ["type"] = "object",
        ["description"] = $"{resource.ListKind} is a list of {resource.Kind}",
        ["required"] = new JsonArray("items"),
        ["properties"] = new JsonObject
        {
            ["apiVersion"] = new JsonObject { ["type"] = "string" },
            ["kind"] = new JsonObject { ["type"] = "string" },
            ["items"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["$ref"] = refPrefix + itemName } },
            ["metadata"] = new JsonObject { ["allOf"] = new JsonArray(new JsonObject { ["$ref"] = refPrefix + "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta" }) },
        },
        ["x-kubernetes-group-version-kind"] = new JsonArray(Gvk(resource.Group, resource.Version, resource.ListKind)),
    };

    /// <summary>The paths of a custom resource, with the query parameters kubectl looks for (fieldValidation on PATCH).</summary>
    public static IEnumerable<(string Path, JsonObject Item)> CustomPaths(ResourceType resource, string definition, string refPrefix)
    {
        var basePath = resource.Namespaced
            ? $"/apis/{resource.Group}/{resource.Version}/namespaces/{{namespace}}/{resource.Plural}"
            : $"/apis/{resource.Group}/{resource.Version}/{resource.Plural}";
        JsonObject Operation(string action, string verbId, string kind, bool body)
        {
            var parameters = new JsonArray(
                Query("dryRun"), Query("fieldManager"), Query("fieldValidation"), Query("pretty"));
            var op = new JsonObject
            {
                ["operationId"] = $"{verbId}{resource.Kind}",
                ["parameters"] = parameters,
                ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK", ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = refPrefix + definition } } } } },
                ["x-kubernetes-action"] = action,
                ["x-kubernetes-group-version-kind"] = Gvk(resource.Group, resource.Version, kind),
            };
            if (body)
            {
                op["requestBody"] = new JsonObject { ["content"] = new JsonObject { ["*/*"] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = refPrefix + definition } } }, ["required"] = true };
            }

            return op;
        }

        yield return (basePath, new JsonObject
        {
            ["get"] = Operation("list", "list", resource.Kind, false),
            ["post"] = Operation("post", "create", resource.Kind, true),
            ["delete"] = Operation("deletecollection", "deletecollection", resource.Kind, false),
        });
        yield return (basePath + "/{name}", new JsonObject
        {
            ["get"] = Operation("get", "read", resource.Kind, false),
            ["put"] = Operation("put", "replace", resource.Kind, true),
            ["patch"] = Operation("patch", "patch", resource.Kind, true),
            ["delete"] = Operation("delete", "delete", resource.Kind, false),
        });
        if (resource.Custom?.HasStatus == true)
        {
            yield return (basePath + "/{name}/status", new JsonObject
            {
                ["get"] = Operation("get", "readStatus", resource.Kind, false),
                ["put"] = Operation("put", "replaceStatus", resource.Kind, true),
                ["patch"] = Operation("patch", "patchStatus", resource.Kind, true),
            });
        }
    }

    private static JsonObject Query(string name) => new()
    {
        ["name"] = name,
        ["in"] = "query",
        ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true },
    };

    private static JsonObject Gvk(string group, string version, string kind) => new() { ["group"] = group, ["version"] = version, ["kind"] = kind };

    private static JsonObject Document(string key, JsonObject paths, JsonObject schemas) => new()
    {
        ["openapi"] = "3.0.0",
        ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = "v1.36.0" },
        ["paths"] = paths,
        ["components"] = new JsonObject { ["schemas"] = schemas },
    };

    private static JsonObject ConvertPathItem(JsonObject operations, KubernetesOpenApiDocument document, HashSet<string> roots)
    {
        var shared = operations["parameters"] is JsonArray common ? common.Select(p => Parameter(p, document)).OfType<JsonObject>().ToList() : [];
        var item = new JsonObject();
        foreach (var method in Methods)
        {
            if (operations[method] is not JsonObject operation)
            {
                continue;
            }

            var converted = new JsonObject();
            foreach (var (key, value) in operation)
            {
                if (key.StartsWith("x-kubernetes-", StringComparison.Ordinal) || key is "operationId" or "description" or "tags")
                {
                    converted[key] = value?.DeepClone();
                }
            }

            var parameters = new JsonArray();
            JsonObject? bodySchema = null;
            foreach (var parameter in shared.Concat(operation["parameters"] is JsonArray own ? own.Select(p => Parameter(p, document)).OfType<JsonObject>() : []))
            {
                if ((string?)parameter["in"] == "body")
                {
                    bodySchema = Rewrite(parameter["schema"], roots) as JsonObject;
                }
                else
                {
                    var copy = new JsonObject { ["name"] = parameter["name"]?.DeepClone(), ["in"] = parameter["in"]?.DeepClone(), ["description"] = parameter["description"]?.DeepClone() };
                    if ((bool?)parameter["required"] == true)
                    {
                        copy["required"] = true;
                    }

                    copy["schema"] = new JsonObject { ["type"] = parameter["type"]?.DeepClone() ?? "string", ["uniqueItems"] = true };
                    parameters.Add(copy);
                }
            }

            converted["parameters"] = parameters;
            if (bodySchema is not null)
            {
                converted["requestBody"] = new JsonObject { ["content"] = new JsonObject { ["*/*"] = new JsonObject { ["schema"] = bodySchema } }, ["required"] = true };
            }

            if (operation["responses"]?["200"]?["schema"] is { } response)
            {
                converted["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK", ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = Rewrite(response, roots) } } } };
            }

            item[method] = converted;
        }

        return item;
    }

    private static JsonObject? Parameter(JsonNode? parameter, KubernetesOpenApiDocument document)
    {
        if (parameter?["$ref"] is JsonValue reference && ((string?)reference)?.StartsWith("#/parameters/", StringComparison.Ordinal) == true)
        {
            return document.Parameters[((string)reference!)["#/parameters/".Length..]] as JsonObject;
        }

        return parameter as JsonObject;
    }

    /// <summary>Rewrites #/definitions/ references to #/components/schemas/ and collects their names.</summary>
    private static JsonNode? Rewrite(JsonNode? node, HashSet<string> references)
    {
        switch (node)
        {
            case JsonObject obj:
                var result = new JsonObject();
                foreach (var (key, value) in obj)
                {
                    if (key == "$ref" && KubernetesOpenApiDocument.RefName(obj) is { } name)
                    {
                        references.Add(name);
                        result[key] = "#/components/schemas/" + name;
                    }
                    else
                    {
                        result[key] = Rewrite(value, references);
                    }
                }

                return result;
            case JsonArray array:
                return new JsonArray(array.Select(i => Rewrite(i, references)).ToArray());
            default:
                return node?.DeepClone();
        }
    }

    private static JsonObject Closure(HashSet<string> roots, KubernetesOpenApiDocument document, JsonObject schemas)
    {
        var pending = new Queue<string>(roots);
        var seen = new HashSet<string>(roots, StringComparer.Ordinal);
        while (pending.Count > 0)
        {
            var name = pending.Dequeue();
            if (document.Definition(name) is not { } definition || schemas.ContainsKey(name))
            {
                continue;
            }

            var found = new HashSet<string>(StringComparer.Ordinal);
            schemas[name] = Rewrite(definition, found);
            foreach (var reference in found.Where(seen.Add))
            {
                pending.Enqueue(reference);
            }
        }

        return schemas;
    }
}
