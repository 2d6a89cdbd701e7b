using k8s;
using k8s.Models;
using KubeCloud.ControllerRuntime.Client;

namespace KubeCloud.Operator.Controllers;

/// <summary>
/// Status writes of the operator: a server-side apply of the status subresource under the field manager
/// <see cref="FieldManager"/>, holding only the fields the operator owns. The node daemon applies its own fields under
/// <c>kubecloud-node</c>; conditions are a list keyed by type, so each writer's conditions survive the other's apply.
/// Never send a field another writer owns (leave it null: nulls are not serialized), or a stale copy would overwrite it.
/// </summary>
public static class StatusApply
{
    public const string FieldManager = "kubecloud-operator";

    /// <summary>Applies <paramref name="status"/> (only the operator's fields set) to the status of <paramref name="obj"/>.</summary>
    public static Task<T> ApplyStatusAsync<T, TStatus>(this IKubeClient client, T obj, TStatus status, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
        where TStatus : class =>
        client.ApplyStatusAsync(obj, status, FieldManager, cancellationToken);

    /// <summary>
    /// Applies <paramref name="status"/> under another writer's <paramref name="fieldManager"/>: the node daemon's
    /// <c>kubecloud-node</c>, as the tests and benches that play it do.
    /// </summary>
    public static Task<T> ApplyStatusAsync<T, TStatus>(this IKubeClient client, T obj, TStatus status, string fieldManager, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
        where TStatus : class
    {
        var configuration = new Dictionary<string, object?>
        {
            ["apiVersion"] = obj.ApiVersion,
            ["kind"] = obj.Kind,
            ["metadata"] = new Dictionary<string, object?> { ["name"] = obj.Metadata.Name, ["namespace"] = obj.Metadata.NamespaceProperty },
            ["status"] = status,
        };
        return client.Resource<T>(obj.Metadata.NamespaceProperty)
            .PatchStatusAsync(obj.Metadata.Name, KubePatch.Apply(configuration), new PatchOptions { FieldManager = fieldManager, Force = true }, cancellationToken);
    }
}
