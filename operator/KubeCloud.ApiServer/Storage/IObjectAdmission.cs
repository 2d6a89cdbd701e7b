using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Resources;

namespace KubeCloud.ApiServer.Storage;

/// <summary>
/// Admission around a client's write: mutation before schema validation, validation after it
/// (kube-apiserver's order). Refusals throw ApiException; warnings go to the options.
/// </summary>
public interface IObjectAdmission
{
    JsonObject Mutate(string operation, ResourceType type, string subresource, JsonObject obj, JsonObject? old, WriteOptions options);

    void Validate(string operation, ResourceType type, string subresource, JsonObject? obj, JsonObject? old, WriteOptions options);
}

/// <summary>No admission (controllers' own writes, tests of the registry).</summary>
public sealed class NoAdmission : IObjectAdmission
{
    public JsonObject Mutate(string operation, ResourceType type, string subresource, JsonObject obj, JsonObject? old, WriteOptions options) => obj;

    public void Validate(string operation, ResourceType type, string subresource, JsonObject? obj, JsonObject? old, WriteOptions options)
    {
    }
}
