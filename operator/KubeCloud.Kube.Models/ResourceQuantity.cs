using System.Text.Json.Serialization;
using KubeCloud.Kube.Models.Serialization;

namespace KubeCloud.Kube.Models;

/// <summary>
/// A Kubernetes quantity (<c>io.k8s.apimachinery.pkg.api.resource.Quantity</c>) such as <c>500m</c> or <c>4Gi</c>,
/// kept as its string form. It does no arithmetic; parsing and comparison belong to the API project.
/// </summary>
[JsonConverter(typeof(ResourceQuantityJsonConverter))]
public sealed class ResourceQuantity : IEquatable<ResourceQuantity>
{
    /// <summary>Wraps the string form of a quantity.</summary>
    public ResourceQuantity(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        Value = value;
    }

    /// <summary>The quantity exactly as written, e.g. <c>1500m</c>.</summary>
    public string Value { get; }

    /// <summary>Wraps a string as a quantity.</summary>
    public static implicit operator ResourceQuantity(string value) => new(value);

    /// <summary>Wraps a string as a quantity.</summary>
    public static ResourceQuantity FromString(string value) => new(value);

    /// <inheritdoc/>
    public bool Equals(ResourceQuantity? other) => other is not null && string.Equals(Value, other.Value, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as ResourceQuantity);

    /// <inheritdoc/>
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);

    /// <inheritdoc/>
    public override string ToString() => Value;

    /// <summary>Compares the string forms.</summary>
    public static bool operator ==(ResourceQuantity? left, ResourceQuantity? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Compares the string forms.</summary>
    public static bool operator !=(ResourceQuantity? left, ResourceQuantity? right) => !(left == right);
}
