using System.Text.Json;
using k8s;
using k8s.Models;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.Operator.Admission;

namespace KubeCloud.Operator.Webhook;

/// <summary>
/// <see cref="NodeRestriction"/> on the node daemons' writes of one kind, the object and its status subresource:
/// <c>/noderestriction-kubecloud-io-v1alpha1-hypervisor</c> (CREATE, UPDATE, DELETE),
/// <c>/noderestriction-kubecloud-io-v1alpha1-server</c> (UPDATE), <c>-volume</c> (UPDATE), <c>-port</c> (CREATE,
/// UPDATE, DELETE) and <c>-image</c> (UPDATE).
/// </summary>
public sealed class NodeRestrictionWebhook<T>(Func<AdmissionCaller, T?, T?, string, AdmissionVerdict> rule, params string[] operations) : IKindWebhook
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    public ResourceInfo Resource { get; } = ResourceInfo.Of<T>();

    public string Name => $"noderestriction-{Resource.Kind.ToLowerInvariant()}.{Resource.Group}";

    public string Path => $"/noderestriction-{Resource.Group.Replace('.', '-')}-{Resource.Version}-{Resource.Kind.ToLowerInvariant()}";

    public IReadOnlyList<string> Resources => [Resource.Plural, $"{Resource.Plural}/status"];

    public IReadOnlyList<string> Operations { get; } = operations;

    public ValueTask<AdmissionVerdict> ValidateAsync(AdmissionReviewRequest request, AdmissionCaller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var obj = request.Object?.Deserialize<T>(KubernetesJsonOptions.Options);
        var old = request.OldObject?.Deserialize<T>(KubernetesJsonOptions.Options);
        return ValueTask.FromResult(rule(caller, obj, old, request.Name ?? obj?.Metadata?.Name ?? old?.Metadata?.Name ?? string.Empty));
    }
}
