namespace KubeCloud.Kube.Models;

/// <summary>An object carrying metadata, usually <see cref="V1ObjectMeta"/> or <see cref="V1ListMeta"/>.</summary>
public interface IMetadata<TMetadata>
    where TMetadata : class
{
    /// <summary>The object's metadata.</summary>
    TMetadata? Metadata { get; set; }
}
