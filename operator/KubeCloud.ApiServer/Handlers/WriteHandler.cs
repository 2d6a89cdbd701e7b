using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Http;
using KubeCloud.ApiServer.Resources;
using KubeCloud.ApiServer.Storage;

namespace KubeCloud.ApiServer.Handlers;

/// <summary>POST (create), PUT (update, also of /status), DELETE and DELETE of a collection.</summary>
public sealed class WriteHandler
{
    private readonly ObjectRegistry _registry;
    private readonly ReadHandler _reader;

    public WriteHandler(ObjectRegistry registry, ReadHandler reader)
    {
        _registry = registry;
        _reader = reader;
    }

    public async Task CreateAsync(ApiContext context, ResourceType type)
    {
        var body = await RequestBody.ReadObjectAsync(context.Http);
        var options = context.WriteOptions(context.UserAgentManager);
        var stored = _registry.Create(type, context.Namespace, body, options);
        ResponseWriter.AddWarnings(context.Http, options.Warnings);
        await ObjectViews.WriteAsync(context, type, stored, 201);
    }

    public async Task UpdateAsync(ApiContext context, ResourceType type)
    {
        var body = await RequestBody.ReadObjectAsync(context.Http);
        var options = context.WriteOptions(context.UserAgentManager);
        var stored = _registry.Update(type, context.Namespace, context.Info.Name, context.Info.Subresource, body, options);
        ResponseWriter.AddWarnings(context.Http, options.Warnings);
        await ObjectViews.WriteAsync(context, type, stored, 200);
    }

    public async Task DeleteAsync(ApiContext context, ResourceType type)
    {
        var options = await ReadDeleteOptionsAsync(context);
        var (stored, gone) = _registry.Delete(type, context.Namespace, context.Info.Name, options);
        if (gone && !type.IsCustom)
        {
            await ResponseWriter.WriteModelAsync(context.Http, 200, ResponseWriter.Success(stored.Name, type.Group, type.Plural, stored.Uid));
            return;
        }

        await ObjectViews.WriteAsync(context, type, stored, 200);
    }

    public async Task DeleteCollectionAsync(ApiContext context, ResourceType type)
    {
        var options = await ReadDeleteOptionsAsync(context);
        var page = _reader.List(type, context.Namespace, context.Query("labelSelector"), context.Query("fieldSelector"), null, null);
        var deleted = new List<StoredObject>();
        foreach (var item in page.Items)
        {
            try
            {
                deleted.Add(_registry.Delete(type, item.Namespace, item.Name, options with { PreconditionUid = null, PreconditionResourceVersion = null }).Object);
            }
            catch (ApiException e) when (e.Code == 404)
            {
            }
        }

        var metadata = new JsonObject { ["resourceVersion"] = _registry.Store.Revision.ToString() };
        await ResponseWriter.WriteBytesAsync(context.Http, 200, ObjectViews.ListBytes(type, deleted, metadata));
    }

    private static async Task<DeleteOptions> ReadDeleteOptionsAsync(ApiContext context)
    {
        JsonObject? body = null;
        if (context.Http.Request.ContentLength is > 0 || context.Http.Request.Headers.TransferEncoding.Count > 0)
        {
            body = await RequestBody.ReadNodeAsync(context.Http) as JsonObject;
        }

        var policy = (string?)body?["propagationPolicy"] ?? context.Query("propagationPolicy");
        if ((bool?)body?["orphanDependents"] == true || context.Query("orphanDependents") == "true")
        {
            policy ??= DeleteOptions.Orphan;
        }

        if (policy is not (null or DeleteOptions.Orphan or DeleteOptions.Background or DeleteOptions.Foreground))
        {
            throw ApiException.BadRequest($"propagationPolicy: Unsupported value: \"{policy}\": supported values: \"Foreground\", \"Background\", \"Orphan\"");
        }

        var dryRun = context.DryRun || (body?["dryRun"] is JsonArray runs && runs.Any(r => (string?)r == "All"));
        return new DeleteOptions(policy, (string?)body?["preconditions"]?["uid"], (string?)body?["preconditions"]?["resourceVersion"], dryRun, context.User);
    }
}
