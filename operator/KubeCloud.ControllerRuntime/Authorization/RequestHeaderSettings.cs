using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using k8s.Models;

namespace KubeCloud.ControllerRuntime.Authorization;

/// <summary>
/// Front-proxy (request-header) authentication as kube-apiserver publishes it for aggregated API servers, in the
/// ConfigMap <c>kube-system/extension-apiserver-authentication</c>: the CA that signs the proxy's client certificate
/// (<c>requestheader-client-ca-file</c>), the common names it may carry (<c>requestheader-allowed-names</c>, empty:
/// any), and the headers that name the user, the groups and the extras. The list keys hold JSON arrays as strings.
/// </summary>
public sealed record RequestHeaderSettings
{
    public const string ConfigMapNamespace = "kube-system";
    public const string ConfigMapName = "extension-apiserver-authentication";
    public const string ClientCaKey = "requestheader-client-ca-file";
    public const string AllowedNamesKey = "requestheader-allowed-names";
    public const string UsernameHeadersKey = "requestheader-username-headers";
    public const string GroupHeadersKey = "requestheader-group-headers";
    public const string ExtraHeaderPrefixesKey = "requestheader-extra-headers-prefix";

    public required X509Certificate2Collection ClientCa { get; init; }

    public IReadOnlyList<string> AllowedNames { get; init; } = [];

    public IReadOnlyList<string> UsernameHeaders { get; init; } = ["X-Remote-User"];

    public IReadOnlyList<string> GroupHeaders { get; init; } = ["X-Remote-Group"];

    public IReadOnlyList<string> ExtraHeaderPrefixes { get; init; } = ["X-Remote-Extra-"];

    /// <summary>
    /// The settings in <paramref name="configMap"/>; throws <see cref="FormatException"/> naming the key when
    /// front-proxy authentication is not configured there or a value cannot be read.
    /// </summary>
    public static RequestHeaderSettings FromConfigMap(V1ConfigMap configMap)
    {
        ArgumentNullException.ThrowIfNull(configMap);
        var data = configMap.Data ?? new Dictionary<string, string>();
        if (!data.TryGetValue(ClientCaKey, out var pem) || string.IsNullOrWhiteSpace(pem))
        {
            throw new FormatException($"ConfigMap {ConfigMapNamespace}/{ConfigMapName} has no {ClientCaKey}: front-proxy authentication is not configured");
        }

        var ca = new X509Certificate2Collection();
        try
        {
            ca.ImportFromPem(pem);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new FormatException($"ConfigMap {ConfigMapNamespace}/{ConfigMapName} key {ClientCaKey}: not PEM certificates: {e.Message}", e);
        }

        if (ca.Count == 0)
        {
            throw new FormatException($"ConfigMap {ConfigMapNamespace}/{ConfigMapName} key {ClientCaKey}: no certificate in it");
        }

        var defaults = new RequestHeaderSettings { ClientCa = ca };
        return defaults with
        {
            AllowedNames = List(data, AllowedNamesKey) ?? [],
            UsernameHeaders = List(data, UsernameHeadersKey) ?? defaults.UsernameHeaders,
            GroupHeaders = List(data, GroupHeadersKey) ?? defaults.GroupHeaders,
            ExtraHeaderPrefixes = List(data, ExtraHeaderPrefixesKey) ?? defaults.ExtraHeaderPrefixes,
        };
    }

    private static string[]? List(IDictionary<string, string> data, string key)
    {
        if (!data.TryGetValue(key, out var json) || string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(json, StringArrayJsonContext.Default.StringArray) ?? [];
        }
        catch (JsonException e)
        {
            throw new FormatException($"ConfigMap {ConfigMapNamespace}/{ConfigMapName} key {key}: must be a JSON array of strings ({e.Message})", e);
        }
    }
}
