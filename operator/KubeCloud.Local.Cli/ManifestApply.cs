using System.Reflection;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.Crds.Yaml;

namespace KubeCloud.Local.Cli;

/// <summary>
/// <c>kubectl apply --server-side --force-conflicts</c> for the kinds the local mode applies (KubeCloud's, Namespaces and
/// RBAC): each YAML document is sent as it is written, under the field manager <c>kubecloud-local</c>, so applying the
/// same files again at every start changes nothing that is already so.
/// </summary>
internal sealed class ManifestApply(IKubeClient client)
{
    public const string FieldManager = "kubecloud-local";

    private static readonly MethodInfo ApplyTyped = typeof(ManifestApply).GetMethod(nameof(ApplyAsync), BindingFlags.NonPublic | BindingFlags.Instance)!;

    /// <summary>apiVersion/kind to the C# type that names its path.</summary>
    private static readonly Dictionary<string, Type> Kinds = typeof(Server).Assembly.GetTypes()
        .Append(typeof(V1Namespace)).Append(typeof(V1ClusterRole)).Append(typeof(V1ClusterRoleBinding)).Append(typeof(V1Role)).Append(typeof(V1RoleBinding))
        .Select(t => (Type: t, Entity: t.GetCustomAttribute<KubernetesEntityAttribute>()))
        .Where(e => e.Entity is not null && typeof(IKubernetesObject<V1ObjectMeta>).IsAssignableFrom(e.Type))
        .ToDictionary(e => Key(e.Entity!.Group is { Length: > 0 } g ? $"{g}/{e.Entity.ApiVersion}" : e.Entity!.ApiVersion, e.Entity.Kind), e => e.Type);

    /// <summary>The documents of a YAML file, in order.</summary>
    public static IReadOnlyList<JsonObject> Read(string file) => [.. YamlJsonReader.ReadAll(File.ReadAllText(file)).OfType<JsonObject>()];

    /// <summary>Applies one document; returns "Kind namespace/name" for the progress line.</summary>
    public async Task<string> ApplyAsync(JsonObject document, CancellationToken cancellationToken)
    {
        var apiVersion = document["apiVersion"]?.GetValue<string>() ?? throw new LocalStartupException("a manifest has no apiVersion");
        var kind = document["kind"]?.GetValue<string>() ?? throw new LocalStartupException($"a manifest of {apiVersion} has no kind");
        var name = document["metadata"]?["name"]?.GetValue<string>() ?? throw new LocalStartupException($"a {kind} has no metadata.name");
        var ns = document["metadata"]?["namespace"]?.GetValue<string>();
        if (!Kinds.TryGetValue(Key(apiVersion, kind), out var type))
        {
            throw new LocalStartupException($"{kind} {name}: the local mode applies KubeCloud's kinds, Namespaces and RBAC only, not {apiVersion} {kind}");
        }

        var what = ns is null ? $"{kind} {name}" : $"{kind} {ns}/{name}";
        try
        {
            await (Task)ApplyTyped.MakeGenericMethod(type).Invoke(this, [name, ns, document, cancellationToken])!;
        }
        catch (KubeApiException e)
        {
            throw new LocalStartupException($"cannot apply {what}: {e.Message}", e);
        }

        return what;
    }

    private async Task ApplyAsync<T>(string name, string? ns, JsonObject document, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        await client.PatchAsync<T>(name, ns, KubePatch.Apply(document), new PatchOptions { FieldManager = FieldManager, Force = true }, cancellationToken);

    private static string Key(string apiVersion, string kind) => apiVersion + "/" + kind;
}
