namespace KubeCloud.Kube.Models;

/// <summary>
/// Identifies a class as a Kubernetes kind: its API group, version, kind, resource plural and scope.
/// Generated built-in kinds carry it, and hand-written custom kinds put the same attribute on their classes.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class KubernetesEntityAttribute : Attribute
{
    /// <summary>The API group; empty for the core ("legacy") group.</summary>
    public string Group { get; set; } = "";

    /// <summary>The version within the group, e.g. <c>v1</c> or <c>v1beta1</c> (without the group).</summary>
    public string ApiVersion { get; set; } = "";

    /// <summary>The kind, e.g. <c>Pod</c>.</summary>
    public string Kind { get; set; } = "";

    /// <summary>The lowercase plural resource name used in URLs, e.g. <c>pods</c>; null when the kind is not served as a resource.</summary>
    public string? PluralName { get; set; }

    /// <summary>True when the resource lives inside a namespace; false for cluster-scoped resources.</summary>
    public bool Namespaced { get; set; }

    /// <summary>The <c>apiVersion</c> field value: <c>group/version</c>, or just <c>version</c> for the core group.</summary>
    public string GroupVersion => Group.Length == 0 ? ApiVersion : $"{Group}/{ApiVersion}";

    /// <summary>Reads the attribute of <paramref name="type"/>, or returns null when it has none.</summary>
    public static KubernetesEntityAttribute? Of(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return (KubernetesEntityAttribute?)GetCustomAttribute(type, typeof(KubernetesEntityAttribute), inherit: false);
    }

    /// <summary>Reads the attribute of <typeparamref name="T"/>, or returns null when it has none.</summary>
    public static KubernetesEntityAttribute? Of<T>() => Of(typeof(T));
}
