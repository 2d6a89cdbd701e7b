using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Resources;

namespace KubeCloud.ApiServer.Storage;

/// <summary>The defaults kube-apiserver gives built-ins on create that clients read back (namespace phase and finalizer).</summary>
public static class BuiltInDefaults
{
    public static void OnCreate(ResourceType type, JsonObject obj)
    {
        if (type.GroupResource == ObjectRegistry.Namespaces)
        {
            obj["spec"] = new JsonObject { ["finalizers"] = new JsonArray("kubernetes") };
            obj["status"] = new JsonObject { ["phase"] = "Active" };
            var labels = obj.Metadata()["labels"] as JsonObject ?? [];
            labels["kubernetes.io/metadata.name"] = obj.Name();
            obj.Metadata()["labels"] = labels;
        }
    }
}
