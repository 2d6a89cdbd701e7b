using System.Text;
using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Http;
using KubeCloud.ApiServer.OpenApi;
using KubeCloud.ApiServer.Resources;

namespace KubeCloud.ApiServer.Handlers;

/// <summary>
/// /openapi/v2 (the Kubernetes document plus CRD definitions, JSON only: a protobuf-only request
/// gets 406 and kubectl falls back) and /openapi/v3 with one document per group version.
/// </summary>
public sealed class OpenApiHandler
{
    private readonly ResourceRegistry _registry;
    private readonly Lock _gate = new();
    private (long Generation, byte[] Body)? _v2;

    public OpenApiHandler(ResourceRegistry registry)
    {
        _registry = registry;
    }

    public async Task<bool> TryServeAsync(ApiContext context)
    {
        var path = context.Info.Path.TrimEnd('/');
        if (path == "/openapi/v2")
        {
            var accept = context.Http.Request.Headers.Accept.ToString();
            if (accept.Length > 0 && !accept.Contains("json", StringComparison.Ordinal) && !accept.Contains("*/*", StringComparison.Ordinal))
            {
                throw ApiException.NotAcceptable("only the following media types are accepted: application/json");
            }

            await ResponseWriter.WriteBytesAsync(context.Http, 200, V2());
            return true;
        }

        if (path == "/openapi/v3")
        {
            var paths = new JsonObject();
            foreach (var gv in _registry.All.Select(r => (r.Group, r.Version)).Distinct().OrderBy(g => g.Group, StringComparer.Ordinal))
            {
                var key = OpenApiV3Builder.PathOf(gv.Group, gv.Version);
                var hash = _registry.All.Any(r => r.Group == gv.Group && r.Version == gv.Version && r.IsCustom) ? $"C{_registry.Generation:X8}" : "B1360000";
                paths[key] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{key}?hash={hash}" };
            }

            await ResponseWriter.WriteNodeAsync(context.Http, 200, new JsonObject { ["paths"] = paths });
            return true;
        }

        if (path.StartsWith("/openapi/v3/", StringComparison.Ordinal))
        {
            var parts = path["/openapi/v3/".Length..].Split('/');
            var (group, version) = parts switch
            {
                ["api", var v] => ("", v),
                ["apis", var g, var v] => (g, v),
                _ => throw ApiException.PathNotFound(),
            };
            var resources = _registry.All.Where(r => r.Group == group && r.Version == version).ToList();
            if (resources.Count == 0)
            {
                throw ApiException.PathNotFound();
            }

            var body = resources.Any(r => r.IsCustom)
                ? OpenApiV3Builder.Custom(group, version, resources.Where(r => r.IsCustom)).ToJsonString(Serialization.JsonText.Options)
                : OpenApiV3Builder.BuiltIn(group, version);
            await ResponseWriter.WriteBytesAsync(context.Http, 200, Encoding.UTF8.GetBytes(body));
            return true;
        }

        return false;
    }

    private byte[] V2()
    {
        lock (_gate)
        {
            if (_v2 is { } cached && cached.Generation == _registry.Generation)
            {
                return cached.Body;
            }

            var document = KubernetesOpenApiDocument.Instance;
            var root = new JsonObject
            {
                ["swagger"] = "2.0",
                ["info"] = document.Root["info"]?.DeepClone(),
                ["paths"] = document.Paths.DeepClone(),
                ["definitions"] = document.Definitions.DeepClone(),
                ["parameters"] = document.Parameters.DeepClone(),
                ["securityDefinitions"] = document.Root["securityDefinitions"]?.DeepClone(),
                ["security"] = document.Root["security"]?.DeepClone(),
            };
            var definitions = root["definitions"]!.AsObject();
            var paths = root["paths"]!.AsObject();
            foreach (var resource in _registry.All.Where(r => r.IsCustom))
            {
                var name = OpenApiV3Builder.DefinitionName(resource);
                definitions[name] = OpenApiV3Builder.CustomSchema(resource, "#/definitions/");
                definitions[name + "List"] = OpenApiV3Builder.ListSchema(resource, name, "#/definitions/");
                foreach (var (path, item) in OpenApiV3Builder.CustomPaths(resource, name, "#/definitions/"))
                {
                    paths[path] = item;
                }
            }

            var body = Encoding.UTF8.GetBytes(root.ToJsonString(Serialization.JsonText.Options));
            _v2 = (_registry.Generation, body);
            return body;
        }
    }
}
