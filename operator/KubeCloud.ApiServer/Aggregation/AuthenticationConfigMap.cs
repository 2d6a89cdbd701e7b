using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Http;
using KubeCloud.ApiServer.Storage;

namespace KubeCloud.ApiServer.Aggregation;

/// <summary>
/// <c>kube-system/extension-apiserver-authentication</c>, as kube-apiserver's ClusterAuthenticationTrustController
/// publishes it: how an extension API server recognises requests the aggregator forwards (the front-proxy CA, the
/// allowed client-certificate names and the identity headers), and the CA of client certificates when the server has
/// one (this one authenticates bearer tokens only, so <c>client-ca-file</c> is absent). Written at start.
/// </summary>
public static class AuthenticationConfigMap
{
    public const string Namespace = "kube-system";
    public const string Name = "extension-apiserver-authentication";

    public static JsonObject Data(FrontProxyCertificates frontProxy, string? clientCaPem)
    {
        var data = new JsonObject();
        if (clientCaPem is not null)
        {
            data["client-ca-file"] = clientCaPem;
        }

        data["requestheader-allowed-names"] = Array(FrontProxyCertificates.ClientCommonName);
        data["requestheader-client-ca-file"] = frontProxy.CaCertificatePem;
        data["requestheader-extra-headers-prefix"] = Array(FrontProxyHeaders.ExtraHeaderPrefix);
        data["requestheader-group-headers"] = Array(FrontProxyHeaders.GroupHeader);
        data["requestheader-username-headers"] = Array(FrontProxyHeaders.UserHeader);
        return data;
    }

    /// <summary>Creates the ConfigMap, or rewrites its data when it differs (a restart with another front-proxy CA).</summary>
    public static void Publish(ObjectRegistry registry, FrontProxyCertificates frontProxy, string? clientCaPem)
    {
        var type = registry.Resources.Find("", "v1", "configmaps")!;
        var data = Data(frontProxy, clientCaPem);
        var current = registry.Store.Get(type.GroupResource, Namespace, Name);
        if (current is null)
        {
            registry.Create(type, Namespace, new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "ConfigMap",
                ["metadata"] = new JsonObject { ["name"] = Name, ["namespace"] = Namespace },
                ["data"] = data,
            }, WriteOptions.Internal("kube-apiserver"));
            return;
        }

        if (JsonNode.DeepEquals(current.Object["data"], data))
        {
            return;
        }

        var updated = current.Copy();
        updated["data"] = data;
        registry.Update(type, Namespace, Name, "", updated, WriteOptions.Internal("kube-apiserver"), current.Revision);
    }

    /// <summary>A JSON array of one string, as a string: kube's format for these keys.</summary>
    private static string Array(string value) => new JsonArray(value).ToJsonString();
}
