using System.Text.Json;
using k8s;
using k8s.Models;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.Operator.Admission;

namespace KubeCloud.Operator.Webhook;

/// <summary>The validating webhook of one kind: its path, the operations it sees, and its rules.</summary>
public interface IKindWebhook
{
    ResourceInfo Resource { get; }

    /// <summary>The webhook's name in the configuration: <c>vserver.kubecloud.io</c>.</summary>
    string Name => $"v{Resource.Kind.ToLowerInvariant()}.{Resource.Group}";

    /// <summary>The resources (and subresources) the configuration sends it.</summary>
    IReadOnlyList<string> Resources => [Resource.Plural];

    /// <summary><c>/validate-kubecloud-io-v1alpha1-server</c>, as kubebuilder names webhook paths.</summary>
    string Path { get; }

    /// <summary>The operations the webhook configuration sends it (CREATE, UPDATE, DELETE).</summary>
    IReadOnlyList<string> Operations { get; }

    /// <summary>The verdict for a review's request; throws <see cref="JsonException"/> on an object that does not read.</summary>
    ValueTask<AdmissionVerdict> ValidateAsync(AdmissionReviewRequest request, AdmissionCaller caller, CancellationToken cancellationToken);
}

/// <summary>Reads the objects of a review as <typeparamref name="T"/> and asks the kind's validator.</summary>
public sealed class KindWebhook<T>(IAdmissionValidator<T> validator, params string[] operations) : IKindWebhook
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    public ResourceInfo Resource { get; } = ResourceInfo.Of<T>();

    public string Path => KubeCloudWebhook.PathOf(Resource);

    public IReadOnlyList<string> Operations { get; } = operations;

    public ValueTask<AdmissionVerdict> ValidateAsync(AdmissionReviewRequest request, AdmissionCaller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        AdmissionOperation? operation = request.Operation switch
        {
            "CREATE" => AdmissionOperation.Create,
            "UPDATE" => AdmissionOperation.Update,
            "DELETE" => AdmissionOperation.Delete,
            _ => null,
        };
        if (operation is null || !string.IsNullOrEmpty(request.SubResource))
        {
            return ValueTask.FromResult(AdmissionVerdict.Allow); // CONNECT, and subresources (status): not ours to judge.
        }

        var obj = request.Object?.Deserialize<T>(KubernetesJsonOptions.Options);
        var old = request.OldObject?.Deserialize<T>(KubernetesJsonOptions.Options);
        return validator.ValidateAsync(new AdmissionRequest<T>(operation.Value, obj, old, caller), cancellationToken);
    }
}
