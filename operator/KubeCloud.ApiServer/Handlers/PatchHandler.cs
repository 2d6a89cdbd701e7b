using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Http;
using KubeCloud.ApiServer.Patching;
using KubeCloud.ApiServer.Resources;
using KubeCloud.ApiServer.Storage;

namespace KubeCloud.ApiServer.Handlers;

/// <summary>
/// PATCH with JSON patch, JSON merge patch, strategic merge patch (built-ins only, as in
/// kube-apiserver) and server-side apply. Retries internally when another writer got there first.
/// </summary>
public sealed class PatchHandler
{
    private const string JsonPatchType = "application/json-patch+json";
    private const string MergePatchType = "application/merge-patch+json";
    private const string StrategicPatchType = "application/strategic-merge-patch+json";
    private const string ApplyPatchType = "application/apply-patch+yaml";

    private readonly ObjectRegistry _registry;
    private readonly ServerSideApply _apply;

    public PatchHandler(ObjectRegistry registry, ServerSideApply apply)
    {
        _registry = registry;
        _apply = apply;
    }

    public async Task PatchAsync(ApiContext context, ResourceType type)
    {
        var mediaType = RequestBody.MediaType(context.Http);
        if (mediaType is not (JsonPatchType or MergePatchType or StrategicPatchType or ApplyPatchType)
            || (mediaType == StrategicPatchType && type.IsCustom))
        {
            var accepted = type.IsCustom
                ? "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
                : "application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml";
            throw new ApiException(ApiException.Failure(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: {accepted}"));
        }

        var patch = await RequestBody.ReadNodeAsync(context.Http);
        var ns = context.Namespace;
        var name = context.Info.Name;
        var subresource = context.Info.Subresource;
        if (mediaType == ApplyPatchType)
        {
            if (context.Query("fieldManager") is not { Length: > 0 })
            {
                throw ApiException.BadRequest("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch");
            }

            var applyOptions = context.WriteOptions("unknown", tracksManagedFields: false);
            var (result, created) = _apply.Apply(type, ns, name, subresource, patch as JsonObject ?? throw ApiException.BadRequest("apply patch must be an object"), applyOptions, context.QueryFlag("force"));
            ResponseWriter.AddWarnings(context.Http, applyOptions.Warnings);
            await ObjectViews.WriteAsync(context, type, result, created ? 201 : 200);
            return;
        }

        var options = context.WriteOptions(context.UserAgentManager);
        for (var attempt = 0; ; attempt++)
        {
            var current = _registry.Get(type, ns, name);
            var patched = mediaType switch
            {
                JsonPatchType => ApplyJsonPatch(current.Copy(), patch),
                MergePatchType => JsonMergePatch.Apply(current.Copy(), patch) as JsonObject,
                _ => StrategicMergePatch.Apply(current.Object, patch as JsonObject ?? throw ApiException.BadRequest("a strategic merge patch must be an object"), PatchSchema.ForDefinition(type.DefinitionName)),
            } ?? throw ApiException.BadRequest("the patch result is not an object");
            var requested = patched.Metadata().GetString("resourceVersion");
            if (!string.IsNullOrEmpty(requested) && requested != current.Revision.ToString())
            {
                throw ApiException.StaleObject(type.GroupResource, name);
            }

            try
            {
                var stored = _registry.Update(type, ns, name, subresource, patched, options, current.Revision);
                ResponseWriter.AddWarnings(context.Http, options.Warnings);
                await ObjectViews.WriteAsync(context, type, stored, 200);
                return;
            }
            catch (ApiException e) when (e.Status.Reason == "Conflict" && attempt < 20)
            {
                // Another writer committed between our read and our write: patch the new state.
            }
        }
    }

    /// <summary>RFC 6902 through KubeCloud.ApiServer.Auth's JsonPatch (shared with admission): malformed → 400, otherwise 422.</summary>
    private static JsonObject? ApplyJsonPatch(JsonObject document, JsonNode patch)
    {
        try
        {
            return Auth.JsonPatch.Apply(document, patch) as JsonObject;
        }
        catch (Auth.JsonPatchException e) when (e.Kind == Auth.JsonPatchErrorKind.Malformed)
        {
            throw ApiException.BadRequest($"the server rejected our request due to an error in our request: {e.Message}");
        }
        catch (Auth.JsonPatchException e)
        {
            throw new ApiException(ApiException.Failure(422, "Invalid", e.Message));
        }
    }
}
