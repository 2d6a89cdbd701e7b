using k8s;
using k8s.Models;
using KubeCloud.ControllerRuntime.Client;

namespace KubeCloud.Node.Agent;

/// <summary>
/// Status writes of the node daemon: a server-side apply of the status subresource under the field manager
/// <see cref="FieldManager"/>, holding only the fields the node owns (operator/KubeCloud.Operator/README.md, "Who writes
/// what"). Fields left null are not serialized, so the operator's fields and conditions are never touched.
/// </summary>
public static class NodeStatusApply
{
    public const string FieldManager = "kubecloud-node";

    /// <summary>The node's finalizer on a Server: removed once nothing of the server is left on the host.</summary>
    public const string CleanupFinalizer = "kubecloud.io/node-cleanup";

    public static Task<T> ApplyNodeStatusAsync<T, TStatus>(this IKubeClient client, T obj, TStatus status, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
        where TStatus : class =>
        client.ApplyNodeStatusAsync(obj, status, FieldManager, cancellationToken);

    /// <summary>As above under another field manager: a node's own entry of a list other nodes write too (an Image's <c>status.nodes</c>).</summary>
    public static Task<T> ApplyNodeStatusAsync<T, TStatus>(this IKubeClient client, T obj, TStatus status, string fieldManager, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
        where TStatus : class
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(obj);
        var metadata = new Dictionary<string, object?> { ["name"] = obj.Metadata.Name };
        if (obj.Metadata.NamespaceProperty is { } ns)
        {
            metadata["namespace"] = ns;
        }

        var configuration = new Dictionary<string, object?>
        {
            ["apiVersion"] = obj.ApiVersion,
            ["kind"] = obj.Kind,
            ["metadata"] = metadata,
            ["status"] = status,
        };
        return client.Resource<T>(obj.Metadata.NamespaceProperty)
            .PatchStatusAsync(obj.Metadata.Name, KubePatch.Apply(configuration), new PatchOptions { FieldManager = fieldManager, Force = true }, cancellationToken);
    }
}
