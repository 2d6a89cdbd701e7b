using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Resources;

namespace KubeCloud.ApiServer.Aggregation;

/// <summary>
/// What the aggregator reads from an APIService (apiregistration.k8s.io/v1): the group/version it claims and, for a
/// remote one, the Service in front of its backend and how to verify the backend's serving certificate.
/// </summary>
public sealed record ApiServiceSpec(
    string Name,
    string Group,
    string Version,
    ServiceReference? Service,
    string CaBundlePem,
    bool InsecureSkipTlsVerify)
{
    public static readonly GroupResource Resource = new("apiregistration.k8s.io", "apiservices");

    /// <summary>The object's name kube requires: <c>&lt;version&gt;.&lt;group&gt;</c>.</summary>
    public static string NameOf(string group, string version) => $"{version}.{group}";

    /// <summary>Served by this server itself (<c>spec.service: null</c>): never proxied.</summary>
    public bool IsLocal => Service is null;

    public static ApiServiceSpec From(JsonObject apiService)
    {
        var spec = apiService["spec"] as JsonObject;
        var name = (string?)apiService["metadata"]?["name"] ?? "";
        ServiceReference? service = null;
        if (spec?["service"] is JsonObject reference)
        {
            var port = reference["port"] is JsonValue p && p.TryGetValue<int>(out var number) ? number : 443;
            service = new ServiceReference((string?)reference["namespace"] ?? "", (string?)reference["name"] ?? "", port);
        }

        var caBundle = "";
        if ((string?)spec?["caBundle"] is { Length: > 0 } base64)
        {
            try
            {
                caBundle = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(base64));
            }
            catch (FormatException)
            {
                caBundle = "";
            }
        }

        var insecure = spec?["insecureSkipTLSVerify"] is JsonValue i && i.TryGetValue<bool>(out var flag) && flag;
        return new ApiServiceSpec(name, (string?)spec?["group"] ?? "", (string?)spec?["version"] ?? "", service, caBundle, insecure);
    }

    /// <summary>The certificates of <c>spec.caBundle</c> (none when it is empty or holds no PEM certificate).</summary>
    public X509Certificate2Collection CaBundle()
    {
        var collection = new X509Certificate2Collection();
        if (CaBundlePem.Length > 0)
        {
            try
            {
                collection.ImportFromPem(CaBundlePem);
            }
            catch (System.Security.Cryptography.CryptographicException)
            {
                // Not PEM: nothing to trust, so every backend certificate is refused.
            }
        }

        return collection;
    }
}

/// <summary>An APIService's <c>spec.service</c>: the Service in front of the backend and its port (443 unless given).</summary>
public sealed record ServiceReference(string Namespace, string Name, int Port)
{
    /// <summary>The name the backend's serving certificate must carry: <c>&lt;service&gt;.&lt;namespace&gt;.svc</c>.</summary>
    public string ServerName => $"{Name}.{Namespace}.svc";
}
