using System.ComponentModel;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using KubeCloud.Api.Schema;
using KubeCloud.Api.Serialization;

namespace KubeCloud.Api.V1Alpha1;

/// <summary>The API group and version of every KubeCloud kind.</summary>
public static class ApiGroup
{
    public const string Name = "kubecloud.io";
    public const string Version = "v1alpha1";
    public const string GroupVersion = Name + "/" + Version;
    public const string Category = "kubecloud";

    /// <summary>Label the operator puts on a Server (and its Ports) naming the node it runs on.</summary>
    public const string NodeLabel = "kubecloud.io/node";

    /// <summary>Annotation whose change asks the node daemon to reboot a server.</summary>
    public const string RebootRequestedAtAnnotation = "kubecloud.io/reboot-requested-at";

    /// <summary>
    /// Annotation a node daemon keeps on its Hypervisor: the base URL of its console endpoint, where the operator's
    /// <c>servers/console</c> endpoint fetches a server's serial log.
    /// </summary>
    public const string ConsoleUrlAnnotation = "kubecloud.io/console-url";

    /// <summary>The group of the virtual subresources served beside the API (as KubeVirt's subresources.kubevirt.io).</summary>
    public const string SubresourcesGroup = "subresources.kubecloud.io";
}

/// <summary>Regular expressions shared by several fields.</summary>
public static class Patterns
{
    /// <summary>A DNS-1123 subdomain: the form of most Kubernetes object names.</summary>
    public const string Dns1123Subdomain = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

    /// <summary>A DNS-1123 label: the form of namespace names and list keys.</summary>
    public const string Dns1123Label = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

    /// <summary>An IPv4 address in dotted-quad form, or an IPv6 address.</summary>
    public const string IPAddress =
        "^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$|^[0-9a-fA-F:.]*:[0-9a-fA-F:.]*$";

    /// <summary>An IPv4 or IPv6 network in CIDR notation.</summary>
    public const string Cidr =
        "^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])/(3[0-2]|[12]?[0-9])$|^[0-9a-fA-F:.]*:[0-9a-fA-F:.]*/(12[0-8]|1[01][0-9]|[1-9]?[0-9])$";

    /// <summary>An Ethernet MAC address, colon separated.</summary>
    public const string MacAddress = "^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$";

    /// <summary>A condition type or reason, as metav1.Condition constrains them.</summary>
    public const string ConditionReason = "^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$";

    /// <summary>A condition type, optionally prefixed with a DNS subdomain.</summary>
    public const string ConditionType =
        "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$";
}

/// <summary>
/// The shape every KubeCloud kind shares: type metadata, object metadata, spec and status.
/// </summary>
/// <typeparam name="TSpec">The desired state, owned by users (or admins).</typeparam>
/// <typeparam name="TStatus">The observed state, owned by the operator and node daemons.</typeparam>
public abstract class KubeCloudObject<TSpec, TStatus> : IKubernetesObject<V1ObjectMeta>, ISpec<TSpec>, IStatus<TStatus>, IHasStatusConditions
    where TSpec : class, new()
    where TStatus : class, IHasConditions, new()
{
    protected KubeCloudObject(string kind)
    {
        ApiVersion = ApiGroup.GroupVersion;
        Kind = kind;
    }

    /// <summary>APIVersion defines the versioned schema of this representation of an object.</summary>
    [JsonPropertyName("apiVersion")]
    [Description("APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources")]
    public string ApiVersion { get; set; }

    /// <summary>Kind is a string value representing the REST resource this object represents.</summary>
    [JsonPropertyName("kind")]
    [Description("Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds")]
    public string Kind { get; set; }

    /// <summary>Standard object metadata.</summary>
    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    /// <summary>Desired state.</summary>
    [JsonPropertyName("spec")]
    [Description("Desired state, owned by users (or admins).")]
    public TSpec Spec { get; set; } = new();

    /// <summary>Observed state; null until a controller first writes it.</summary>
    [JsonPropertyName("status")]
    [Description("Observed state, written by the operator and node daemons through the status subresource.")]
    public TStatus? Status { get; set; }

    // KubernetesClient's IStatus<T> is not annotated for null; a KubeCloud status is null until a controller writes it.
    TStatus IStatus<TStatus>.Status { get => Status!; set => Status = value; }

    IHasConditions? IHasStatusConditions.StatusConditions => Status;
}

/// <summary>
/// An object whose status carries conditions (every KubeCloud kind), for code that reads them without knowing the kind
/// and without reflection (a cache interning condition strings; NativeAOT keeps no property metadata for it).
/// </summary>
public interface IHasStatusConditions
{
    /// <summary>The status, or null until a controller first writes it.</summary>
    IHasConditions? StatusConditions { get; }
}

/// <summary>A status that carries conditions and the generation they describe.</summary>
public interface IHasConditions
{
    /// <summary>Conditions keyed by type.</summary>
    List<Condition>? Conditions { get; set; }

    /// <summary>The metadata.generation the status was computed from.</summary>
    long? ObservedGeneration { get; set; }
}

/// <summary>What every status has: conditions keyed by type and the generation observed.</summary>
public abstract class KubeCloudStatus : IHasConditions
{
    [ListType(ListTypeAttribute.Map, "type")]
    [Items(Max = 32)]
    [JsonPropertyName("conditions")]
    [Description("The latest observations of the object's state, one per condition type. Ready is the summary a person or 'kubectl wait --for=condition=Ready' reads.")]
    public List<Condition>? Conditions { get; set; }

    [Minimum(0)]
    [JsonPropertyName("observedGeneration")]
    [Description("The metadata.generation the controller last acted on.")]
    public long? ObservedGeneration { get; set; }
}

/// <summary>Status of a condition: True, False or Unknown.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ConditionStatus>))]
public enum ConditionStatus
{
    True,
    False,
    Unknown,
}

/// <summary>One aspect of an object's state, as metav1.Condition defines it.</summary>
public sealed class Condition
{
    [Required]
    [Pattern(Patterns.ConditionType)]
    [Length(Max = 316)]
    [JsonPropertyName("type")]
    [Description("Type of condition in CamelCase, for example Ready or Scheduled.")]
    public string Type { get; set; } = string.Empty;

    [Required]
    [JsonPropertyName("status")]
    [Description("Status of the condition: True, False or Unknown.")]
    public ConditionStatus Status { get; set; } = ConditionStatus.Unknown;

    [Minimum(0)]
    [JsonPropertyName("observedGeneration")]
    [Description("The metadata.generation the condition was set for; older than the object's generation means the condition is out of date.")]
    public long? ObservedGeneration { get; set; }

    [Required]
    [Format("date-time")]
    [JsonPropertyName("lastTransitionTime")]
    [Description("Last time the condition changed from one status to another.")]
    [JsonConverter(typeof(KubeTimeJsonConverter))]
    public DateTimeOffset LastTransitionTime { get; set; }

    [Required]
    [Pattern(Patterns.ConditionReason)]
    [Length(Min = 1, Max = 1024)]
    [JsonPropertyName("reason")]
    [Description("A programmatic identifier in CamelCase for the reason of the last transition.")]
    public string Reason { get; set; } = string.Empty;

    [Length(Max = 32768)]
    [JsonPropertyName("message")]
    [Description("A human-readable message with details about the transition.")]
    public string? Message { get; set; }
}

/// <summary>A reference to an object in the same namespace (or a cluster-scoped object).</summary>
public sealed class LocalObjectReference
{
    [Required]
    [Pattern(Patterns.Dns1123Subdomain)]
    [Length(Min = 1, Max = 253)]
    [JsonPropertyName("name")]
    [Description("Name of the referenced object.")]
    public string Name { get; set; } = string.Empty;
}

/// <summary>A reference to an object that may live in another namespace.</summary>
public sealed class NamespacedObjectReference
{
    [Required]
    [Pattern(Patterns.Dns1123Subdomain)]
    [Length(Min = 1, Max = 253)]
    [JsonPropertyName("name")]
    [Description("Name of the referenced object.")]
    public string Name { get; set; } = string.Empty;

    [Pattern(Patterns.Dns1123Label)]
    [Length(Min = 1, Max = 63)]
    [JsonPropertyName("namespace")]
    [Description("Namespace of the referenced object; defaults to the referring object's namespace. Using an object of another namespace needs the verb 'use' on it there (or the object must be shared or public).")]
    public string? Namespace { get; set; }
}

/// <summary>A key of a Secret in the same namespace.</summary>
public sealed class SecretKeyReference
{
    [Required]
    [Pattern(Patterns.Dns1123Subdomain)]
    [Length(Min = 1, Max = 253)]
    [JsonPropertyName("name")]
    [Description("Name of the Secret.")]
    public string Name { get; set; } = string.Empty;

    [Required]
    [Pattern("^[-._a-zA-Z0-9]+$")]
    [Length(Min = 1, Max = 253)]
    [JsonPropertyName("key")]
    [Description("Key within the Secret's data.")]
    public string Key { get; set; } = string.Empty;
}

/// <summary>Condition types and reasons every kind uses.</summary>
public static class ConditionTypes
{
    public const string Ready = "Ready";
}
