using k8s.Models;

namespace KubeCloud.Operator.Webhook;

/// <summary>
/// The ValidatingWebhookConfiguration that sends KubeCloud's kinds to the webhook: one webhook per kind, on the kind's
/// path, failurePolicy Fail (no request passes unchecked while the webhook is down), sideEffects None (dry runs are
/// checked too), admission.k8s.io/v1 only.
/// </summary>
public static class WebhookConfiguration
{
    public const string Name = "kubecloud-operator";

    /// <summary>For a webhook at a URL (the local control plane, out of cluster): <c>https://127.0.0.1:9443</c>.</summary>
    public static V1ValidatingWebhookConfiguration ForUrl(IEnumerable<IKindWebhook> webhooks, Uri baseUrl, string caPem) =>
        Build(webhooks, path => new Admissionregistrationv1WebhookClientConfig
        {
            Url = new Uri(baseUrl, path).ToString(),
            CaBundle = System.Text.Encoding.ASCII.GetBytes(caPem),
        });

    /// <summary>For the webhook behind its Service in the cluster.</summary>
    public static V1ValidatingWebhookConfiguration ForService(IEnumerable<IKindWebhook> webhooks, string @namespace, string service, int port, string caPem) =>
        Build(webhooks, path => new Admissionregistrationv1WebhookClientConfig
        {
            Service = new Admissionregistrationv1ServiceReference { NamespaceProperty = @namespace, Name = service, Port = port, Path = path },
            CaBundle = System.Text.Encoding.ASCII.GetBytes(caPem),
        });

    private static V1ValidatingWebhookConfiguration Build(IEnumerable<IKindWebhook> webhooks, Func<string, Admissionregistrationv1WebhookClientConfig> clientConfig) => new()
    {
        ApiVersion = "admissionregistration.k8s.io/v1",
        Kind = "ValidatingWebhookConfiguration",
        Metadata = new V1ObjectMeta { Name = Name },
        Webhooks =
        [
            .. webhooks.Select(w => new V1ValidatingWebhook
            {
                Name = w.Name,
                ClientConfig = clientConfig(w.Path),
                Rules =
                [
                    new V1RuleWithOperations
                    {
                        ApiGroups = [w.Resource.Group],
                        ApiVersions = [w.Resource.Version],
                        Resources = [.. w.Resources],
                        Operations = [.. w.Operations],
                        Scope = w.Resource.Namespaced ? "Namespaced" : "Cluster",
                    },
                ],
                FailurePolicy = "Fail",
                MatchPolicy = "Equivalent",
                SideEffects = "None",
                AdmissionReviewVersions = ["v1"],
                TimeoutSeconds = 10,
            }),
        ],
    };
}
