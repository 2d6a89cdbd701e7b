using k8s.Models;
using KubeCloud.Api.Schema;

namespace KubeCloud.ControllerRuntime.Client;

/// <summary>
/// Whether a kind lives in a namespace. KubernetesClient's <see cref="KubernetesEntityAttribute"/> has no scope, so
/// KubeCloud's kinds say it with <see cref="ClusterScopedAttribute"/> and the built-in kinds the runtime may address
/// are named here (every other built-in kind is namespaced).
/// </summary>
public static class ResourceScope
{
    private static readonly HashSet<(string Group, string Kind)> ClusterScopedBuiltIns =
    [
        ("", "Namespace"), ("", "Node"), ("", "PersistentVolume"), ("", "ComponentStatus"),
        ("rbac.authorization.k8s.io", "ClusterRole"), ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
        ("apiextensions.k8s.io", "CustomResourceDefinition"), ("apiregistration.k8s.io", "APIService"),
        ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"), ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"), ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
        ("storage.k8s.io", "StorageClass"), ("storage.k8s.io", "CSIDriver"), ("storage.k8s.io", "CSINode"), ("storage.k8s.io", "VolumeAttachment"),
        ("scheduling.k8s.io", "PriorityClass"), ("node.k8s.io", "RuntimeClass"), ("networking.k8s.io", "IngressClass"),
        ("certificates.k8s.io", "CertificateSigningRequest"), ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
        ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
        ("authorization.k8s.io", "SubjectAccessReview"), ("authorization.k8s.io", "SelfSubjectAccessReview"),
        ("authorization.k8s.io", "SelfSubjectRulesReview"), ("authentication.k8s.io", "TokenReview"),
        ("authentication.k8s.io", "SelfSubjectReview"),
    ];

    /// <summary>True when objects of <paramref name="type"/> (described by <paramref name="entity"/>) live in a namespace.</summary>
    public static bool IsNamespaced(Type type, KubernetesEntityAttribute entity)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(entity);
        return type.Assembly == typeof(KubernetesEntityAttribute).Assembly
            ? !ClusterScopedBuiltIns.Contains((entity.Group ?? "", entity.Kind))
            : ClusterScopedAttribute.IsNamespaced(type);
    }
}
