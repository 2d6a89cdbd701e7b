using System.Text;
using k8s;
using k8s.Models;

namespace KubeCloud.ControllerRuntime.Client;

/// <summary>
/// Where a kind lives on the API server, read once from its <see cref="KubernetesEntityAttribute"/>:
/// group, version, plural and scope. The one place that turns a type into a URL.
/// </summary>
public sealed class ResourceInfo
{
    /// <summary>
    /// The review kinds (created, never stored) whose KubernetesEntity attribute names no plural, with the resource
    /// kube-apiserver serves them as, so a review is one <see cref="KubeClient.CreateAsync{T}"/> like any object.
    /// </summary>
    private static readonly Dictionary<(string Group, string Kind), string> ReviewPlurals = new()
    {
        [("authentication.k8s.io", "TokenReview")] = "tokenreviews",
        [("authentication.k8s.io", "SelfSubjectReview")] = "selfsubjectreviews",
        [("authorization.k8s.io", "SubjectAccessReview")] = "subjectaccessreviews",
        [("authorization.k8s.io", "LocalSubjectAccessReview")] = "localsubjectaccessreviews",
        [("authorization.k8s.io", "SelfSubjectAccessReview")] = "selfsubjectaccessreviews",
        [("authorization.k8s.io", "SelfSubjectRulesReview")] = "selfsubjectrulesreviews",
    };

    private ResourceInfo(Type type, KubernetesEntityAttribute entity)
    {
        var plural = string.IsNullOrEmpty(entity.PluralName) ? ReviewPlurals.GetValueOrDefault((entity.Group, entity.Kind)) : entity.PluralName;
        if (string.IsNullOrEmpty(plural))
        {
            throw new ArgumentException($"{type.Name} ({entity.Kind}) is not served as a resource: its KubernetesEntity attribute has no PluralName.", nameof(type));
        }

        Type = type;
        Group = entity.Group;
        Version = entity.ApiVersion;
        Kind = entity.Kind;
        Plural = plural;
        Namespaced = ResourceScope.IsNamespaced(type, entity);
        ApiVersion = Group.Length == 0 ? Version : $"{Group}/{Version}";
        BasePath = Group.Length == 0 ? $"/api/{Version}" : $"/apis/{Group}/{Version}";
    }

    public Type Type { get; }

    public string Group { get; }

    public string Version { get; }

    public string Kind { get; }

    public string Plural { get; }

    public bool Namespaced { get; }

    /// <summary>The <c>apiVersion</c> field value, e.g. <c>kubecloud.io/v1alpha1</c> or <c>v1</c>.</summary>
    public string ApiVersion { get; }

    /// <summary><c>/api/v1</c> or <c>/apis/{group}/{version}</c>.</summary>
    public string BasePath { get; }

    /// <summary>The resource info of <typeparamref name="T"/>, cached per type.</summary>
    public static ResourceInfo Of<T>() => Cache<T>.Value ??= Create(typeof(T));

    /// <summary>The resource info of <paramref name="type"/>.</summary>
    public static ResourceInfo Of(Type type) => Create(type);

    private static ResourceInfo Create(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        var entity = (KubernetesEntityAttribute?)Attribute.GetCustomAttribute(type, typeof(KubernetesEntityAttribute), inherit: false)
            ?? throw new ArgumentException($"{type.Name} has no [KubernetesEntity] attribute.", nameof(type));
        return new ResourceInfo(type, entity);
    }

    /// <summary>
    /// The path of the collection (name null) or of one object, optionally of a subresource.
    /// A null namespace on a namespaced kind addresses all namespaces (list and watch only).
    /// </summary>
    public string PathFor(string? @namespace, string? name = null, string? subresource = null)
    {
        var path = new StringBuilder(BasePath);
        if (Namespaced && !string.IsNullOrEmpty(@namespace))
        {
            path.Append("/namespaces/").Append(Uri.EscapeDataString(@namespace));
        }

        path.Append('/').Append(Plural);
        if (!string.IsNullOrEmpty(name))
        {
            path.Append('/').Append(Uri.EscapeDataString(name));
            if (!string.IsNullOrEmpty(subresource))
            {
                path.Append('/').Append(subresource);
            }
        }
        else if (subresource is not null)
        {
            throw new ArgumentException("A subresource needs an object name.", nameof(subresource));
        }

        return path.ToString();
    }

    /// <summary>True when an ownerReference's apiVersion/kind names this kind (any version of the same group).</summary>
    public bool Matches(string? apiVersion, string? kind)
    {
        if (!string.Equals(kind, Kind, StringComparison.Ordinal) || apiVersion is null)
        {
            return false;
        }

        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        var group = slash < 0 ? "" : apiVersion[..slash];
        return string.Equals(group, Group, StringComparison.Ordinal);
    }

    private static class Cache<T>
    {
        public static ResourceInfo? Value;
    }
}
