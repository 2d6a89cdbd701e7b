namespace KubeCloud.Kube.Models;

/// <summary>Any Kubernetes object: it states its <c>apiVersion</c> and <c>kind</c>.</summary>
public interface IKubernetesObject
{
    /// <summary>The versioned schema of this representation, e.g. <c>apps/v1</c>.</summary>
    string? ApiVersion { get; set; }

    /// <summary>The REST resource kind this object represents, e.g. <c>Deployment</c>.</summary>
    string? Kind { get; set; }
}

/// <summary>A Kubernetes object with metadata of type <typeparamref name="TMetadata"/> (object or list metadata).</summary>
public interface IKubernetesObject<TMetadata> : IKubernetesObject, IMetadata<TMetadata>
    where TMetadata : class
{
}
