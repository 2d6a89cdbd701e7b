using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Auth;
using KubeCloud.ApiServer.Http;
using KubeCloud.ApiServer.Resources;
using KubeCloud.ApiServer.Storage;

namespace KubeCloud.ApiServer.Security;

/// <summary>
/// Admission webhooks (MutatingWebhookConfiguration, ValidatingWebhookConfiguration) through
/// KubeCloud.ApiServer.Auth's dispatcher, for writes made by clients (those with a user).
/// The registry is synchronous, so the webhook calls are awaited here.
/// </summary>
public sealed class WebhookAdmission : IObjectAdmission, IDisposable
{
    private readonly AdmissionWebhookDispatcher _dispatcher;

    public WebhookAdmission(IClusterObjectSource source)
    {
        _dispatcher = new AdmissionWebhookDispatcher(source);
    }

    public JsonObject Mutate(string operation, ResourceType type, string subresource, JsonObject obj, JsonObject? old, WriteOptions options)
    {
        if (options.User is null)
        {
            return obj;
        }

        var outcome = _dispatcher.MutateAsync(Attributes(operation, type, subresource, obj, old, options)).GetAwaiter().GetResult();
        return Answer(outcome, options) ?? obj;
    }

    public void Validate(string operation, ResourceType type, string subresource, JsonObject? obj, JsonObject? old, WriteOptions options)
    {
        if (options.User is null)
        {
            return;
        }

        Answer(_dispatcher.ValidateAsync(Attributes(operation, type, subresource, obj, old, options)).GetAwaiter().GetResult(), options);
    }

    public void Dispose() => _dispatcher.Dispose();

    private static JsonObject? Answer(AdmissionOutcome outcome, WriteOptions options)
    {
        options.Warnings.AddRange(outcome.Warnings);
        if (!outcome.Allowed)
        {
            throw new ApiException(outcome.Status ?? ApiException.Failure(403, "Forbidden", "admission webhook denied the request"));
        }

        return outcome.Object;
    }

    private static AdmissionAttributes Attributes(string operation, ResourceType type, string subresource, JsonObject? obj, JsonObject? old, WriteOptions options)
    {
        var target = obj ?? old;
        var ns = type.GroupResource == ObjectRegistry.Namespaces ? target?.Name() ?? "" : target?.Namespace() ?? "";
        return new AdmissionAttributes(
            operation,
            new GroupVersionResource(type.Group, type.Version, type.Plural),
            new GroupVersionKind(type.Group, type.Version, type.Kind),
            ns,
            target?.Name() ?? "",
            options.User!,
            obj, // not copied: the dispatcher only reads them (JsonPatch and the AdmissionReview copy what they send or
            old, // change), and the registry waits for it; copying them for every write with a user was 7 % of the API server's CPU in a burst
            subresource,
            options.DryRun);
    }
}
