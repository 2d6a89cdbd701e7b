using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace KubeCloud.ApiServer.Auth;

/// <summary>
/// Runs the admission webhooks of MutatingWebhookConfigurations and
/// ValidatingWebhookConfigurations (read from the source on each request) as kube-apiserver's
/// webhook admission plugins do. Mutating webhooks run one after another in configuration-name
/// order and their JSON patches are applied; webhooks with reinvocationPolicy IfNeeded run once
/// more when a later webhook changed the object. Validating webhooks run in parallel on the
/// result; the first refusal in configuration order wins. A webhook that cannot be called (or
/// answers nonsense) refuses the request with 500 InternalError unless its failurePolicy is
/// Ignore. matchConditions (CEL) are not evaluated: such webhooks are called as if they matched.
/// </summary>
public sealed class AdmissionWebhookDispatcher : IDisposable
{
    private const string Group = "admissionregistration.k8s.io";
    private const int DefaultTimeoutSeconds = 10;
    private const int MaxTimeoutSeconds = 30;

    private readonly IClusterObjectSource source;
    private readonly AdmissionWebhookOptions options;
    private readonly WebhookClient client;
    private readonly Dictionary<string, (long Revision, List<Webhook> Hooks)> cache = new(StringComparer.Ordinal);

    public AdmissionWebhookDispatcher(IClusterObjectSource source, AdmissionWebhookOptions? options = null)
    {
        this.source = source ?? throw new ArgumentNullException(nameof(source));
        this.options = options ?? new AdmissionWebhookOptions();
        client = new WebhookClient(this.options);
    }

    /// <summary>Mutating then validating webhooks, for callers that validate nothing in between.</summary>
    public async Task<AdmissionOutcome> AdmitAsync(AdmissionAttributes attributes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        var mutated = await MutateAsync(attributes, cancellationToken);
        if (!mutated.Allowed)
        {
            return mutated;
        }

        var validated = await ValidateAsync(attributes with { Object = mutated.Object }, cancellationToken);
        return validated with
        {
            Object = mutated.Object,
            Warnings = [.. mutated.Warnings, .. validated.Warnings],
            AuditAnnotations = mutated.AuditAnnotations.Concat(validated.AuditAnnotations).ToDictionary(),
        };
    }

    /// <summary>The mutating webhooks; the outcome's object is the patched object.</summary>
    public async Task<AdmissionOutcome> MutateAsync(AdmissionAttributes attributes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        var warnings = new List<string>();
        var audit = new Dictionary<string, string>(StringComparer.Ordinal);
        var current = attributes.Object;
        if (WebhookMatch.IsExempt(attributes))
        {
            return new AdmissionOutcome(true, current, warnings, null, audit);
        }

        var hooks = Webhooks<V1MutatingWebhookConfiguration>("mutatingwebhookconfigurations", c => c.Webhooks?.Select(Webhook.From));
        var mutations = 0;
        var mutationsSeenBy = new Dictionary<int, int>();
        for (var round = 0; round < 2; round++)
        {
            for (var i = 0; i < hooks.Count; i++)
            {
                var hook = hooks[i];
                if (round == 1 && !(hook.ReinvokeIfNeeded && mutationsSeenBy.TryGetValue(i, out var seen) && seen < mutations))
                {
                    continue;
                }

                var call = await InvokeAsync(hook, attributes with { Object = current }, cancellationToken);
                if (call.Skipped)
                {
                    continue;
                }

                if (call.Refusal is { } refusal)
                {
                    return new AdmissionOutcome(false, current, warnings, refusal, audit);
                }

                if (call.Response is not { } response)
                {
                    audit[$"failed-open.mutation.webhook.admission.k8s.io/round_{round}_index_{i}"] = hook.Name;
                    mutationsSeenBy[i] = mutations;
                    continue;
                }

                Collect(hook, response, warnings, audit);
                if (!response.Allowed)
                {
                    return new AdmissionOutcome(false, current, warnings, Rejection(hook.Name, response.Status), audit);
                }

                if (response.Patch is { Length: > 0 } patch)
                {
                    try
                    {
                        current = ApplyPatch(current, response.PatchType, patch);
                        mutations++;
                    }
                    catch (Exception e) when (e is JsonPatchException or System.Text.Json.JsonException or InvalidOperationException)
                    {
                        return new AdmissionOutcome(false, current, warnings, InternalError($"JSON patch of webhook \"{hook.Name}\" failed: {e.Message}"), audit);
                    }
                }

                mutationsSeenBy[i] = mutations;
            }

            if (mutations == 0)
            {
                break;
            }
        }

        return new AdmissionOutcome(true, current, warnings, null, audit);
    }

    /// <summary>The validating webhooks, on the object as it will be stored.</summary>
    public async Task<AdmissionOutcome> ValidateAsync(AdmissionAttributes attributes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        var warnings = new List<string>();
        var audit = new Dictionary<string, string>(StringComparer.Ordinal);
        if (WebhookMatch.IsExempt(attributes))
        {
            return new AdmissionOutcome(true, attributes.Object, warnings, null, audit);
        }

        var hooks = Webhooks<V1ValidatingWebhookConfiguration>("validatingwebhookconfigurations", c => c.Webhooks?.Select(Webhook.From));
        var calls = await Task.WhenAll(hooks.Select(hook => InvokeAsync(hook, attributes, cancellationToken)));
        V1Status? refusal = null;
        for (var i = 0; i < hooks.Count; i++)
        {
            var call = calls[i];
            if (call.Response is { } response)
            {
                Collect(hooks[i], response, warnings, audit);
                if (!response.Allowed)
                {
                    refusal ??= Rejection(hooks[i].Name, response.Status);
                }
            }
            else if (call.Refusal is { } callRefusal)
            {
                refusal ??= callRefusal;
            }
            else if (!call.Skipped)
            {
                audit[$"failed-open.validating.webhook.admission.k8s.io/index_{i}"] = hooks[i].Name;
            }
        }

        return new AdmissionOutcome(refusal is null, attributes.Object, warnings, refusal, audit);
    }

    public void Dispose() => client.Dispose();

    /// <summary>The webhooks of all configurations, by configuration name; cached per revision when the source has revisions.</summary>
    private List<Webhook> Webhooks<TConfiguration>(string resource, Func<TConfiguration, IEnumerable<Webhook>?> webhooks)
        where TConfiguration : class, IKubernetesObject<V1ObjectMeta>
    {
        var revision = (source as IVersionedClusterObjectSource)?.RevisionOf(Group, resource);
        lock (cache)
        {
            if (revision is { } r && cache.TryGetValue(resource, out var cached) && cached.Revision == r)
            {
                return cached.Hooks;
            }
        }

        List<Webhook> hooks =
        [.. source.List(Group, resource)
            .Select(json => KubeJson.Deserialize<TConfiguration>(json)!)
            .OrderBy(c => c.Metadata?.Name, StringComparer.Ordinal)
            .SelectMany(c => webhooks(c) ?? [])];
        if (revision is { } current)
        {
            lock (cache)
            {
                cache[resource] = (current, hooks);
            }
        }

        return hooks;
    }

    /// <summary>Decides whether to call the webhook and calls it.</summary>
    private async Task<Invocation> InvokeAsync(Webhook hook, AdmissionAttributes attributes, CancellationToken cancellationToken)
    {
        if (!WebhookMatch.RulesMatch(hook.Rules, hook.MatchPolicy, attributes))
        {
            return Invocation.Skip;
        }

        // objectSelector: matched against the new or the old object's labels; never matches when both are absent.
        var objectSelector = LabelSelector.FromLabelSelector(hook.ObjectSelector);
        if (!objectSelector.IsEmpty
            && !(attributes.Object is not null && objectSelector.Matches(Labels(attributes.Object)))
            && !(attributes.OldObject is not null && objectSelector.Matches(Labels(attributes.OldObject))))
        {
            return Invocation.Skip;
        }

        var namespaceSelector = LabelSelector.FromLabelSelector(hook.NamespaceSelector);
        var isNamespaceObject = attributes.Resource is { Group: "", Resource: "namespaces" };
        if (!namespaceSelector.IsEmpty && (attributes.Namespace.Length > 0 || isNamespaceObject))
        {
            var labels = isNamespaceObject && attributes.Object is not null
                ? Labels(attributes.Object)
                : source.Get("", "namespaces", null, attributes.Namespace) is { } ns ? Labels(ns) : null;
            if (labels is null)
            {
                return Invocation.Refuse(NotFound(attributes.Namespace));
            }

            if (!namespaceSelector.Matches(labels))
            {
                return Invocation.Skip;
            }
        }

        if (attributes.DryRun && hook.SideEffects is not ("None" or "NoneOnDryRun"))
        {
            return Invocation.Refuse(BadRequest(hook.SideEffects is null
                ? "Webhook SideEffects is nil"
                : $"admission webhook \"{hook.Name}\" does not support dry run"));
        }

        try
        {
            if (hook.AdmissionReviewVersions?.Contains("v1") is not true)
            {
                throw new WebhookCallException("webhook does not accept v1 AdmissionReview");
            }

            var uid = options.NewUid();
            var timeout = Math.Clamp(hook.TimeoutSeconds ?? DefaultTimeoutSeconds, 1, MaxTimeoutSeconds);
            var answer = await client.PostAsync(hook.ClientConfig ?? new(), timeout, Review(uid, attributes), cancellationToken);
            if (answer.ApiVersion != "admission.k8s.io/v1" || answer.Kind != "AdmissionReview")
            {
                throw new WebhookCallException(
                    $"received invalid webhook response: expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got {answer.ApiVersion}, Kind={answer.Kind}");
            }

            if (answer.Response is not { } response)
            {
                throw new WebhookCallException("received invalid webhook response: webhook response was absent");
            }

            if (response.Uid != uid)
            {
                throw new WebhookCallException($"received invalid webhook response: expected response.uid=\"{uid}\", got \"{response.Uid}\"");
            }

            return Invocation.Answered(response);
        }
        catch (WebhookCallException e)
        {
            var message = $"failed calling webhook \"{hook.Name}\": {e.Message}";
            return hook.FailurePolicy == "Ignore" ? Invocation.FailedOpen(message) : Invocation.Refuse(InternalError(message));
        }
    }

    private static V1AdmissionReview Review(string uid, AdmissionAttributes a) => new()
    {
        ApiVersion = "admission.k8s.io/v1",
        Kind = "AdmissionReview",
        Request = new V1AdmissionRequest
        {
            Uid = uid,
            Kind = Gvk(a.Kind),
            Resource = Gvr(a.Resource),
            SubResource = a.Subresource.Length > 0 ? a.Subresource : null,
            RequestKind = Gvk(a.Kind),
            RequestResource = Gvr(a.Resource),
            RequestSubResource = a.Subresource.Length > 0 ? a.Subresource : null,
            Name = a.Name.Length > 0 ? a.Name : null,
            Namespace = a.Namespace.Length > 0 ? a.Namespace : null,
            Operation = a.Operation,
            UserInfo = new V1UserInfo
            {
                Username = a.User.Name,
                Uid = a.User.Uid,
                Groups = [.. a.User.Groups],
                Extra = a.User.Extra?.ToDictionary(e => e.Key, e => (IList<string>)[.. e.Value]),
            },
            Object = a.Object?.DeepClone(),
            OldObject = a.OldObject?.DeepClone(),
            DryRun = a.DryRun,
            Options = a.Options?.DeepClone(),
        },
    };

    private static V1GroupVersionKind Gvk(GroupVersionKind kind) => new() { Group = kind.Group, Version = kind.Version, Kind = kind.Kind };

    private static V1GroupVersionResource Gvr(GroupVersionResource resource) =>
        new() { Group = resource.Group, Version = resource.Version, Resource = resource.Resource };

    private static JsonObject? ApplyPatch(JsonObject? current, string? patchType, byte[] patch)
    {
        if (patchType != V1AdmissionResponse.JsonPatchType)
        {
            throw new JsonPatchException($"unsupported patch type \"{patchType}\"");
        }

        var operations = JsonNode.Parse(Encoding.UTF8.GetString(patch)) as JsonArray
            ?? throw new JsonPatchException("the patch is not a JSON array");
        return JsonPatch.Apply(current, operations) as JsonObject
            ?? throw new JsonPatchException("the patched object is not a JSON object");
    }

    private static void Collect(Webhook hook, V1AdmissionResponse response, List<string> warnings, Dictionary<string, string> audit)
    {
        warnings.AddRange(response.Warnings ?? []);
        foreach (var (key, value) in response.AuditAnnotations ?? [])
        {
            audit[$"{hook.Name}/{key}"] = value;
        }
    }

    private static Dictionary<string, string>? Labels(JsonObject? obj) =>
        obj?["metadata"]?["labels"] is JsonObject labels
            ? labels.Where(l => l.Value is JsonValue).ToDictionary(l => l.Key, l => l.Value!.ToString())
            : obj is null ? null : [];

    /// <summary>The Status of a webhook's refusal, as kube-apiserver's webhookerrors.ToStatusErr makes it.</summary>
    private static V1Status Rejection(string webhook, V1Status? status)
    {
        var deniedBy = $"admission webhook \"{webhook}\" denied the request";
        status ??= new V1Status();
        var message = status.Message is { Length: > 0 } m ? $"{deniedBy}: {m}"
            : status.Reason is { Length: > 0 } r ? $"{deniedBy}: {r}"
            : $"{deniedBy} without explanation";
        return new V1Status
        {
            ApiVersion = "v1",
            Kind = "Status",
            Metadata = new V1ListMeta(),
            Status = "Failure",
            Message = message,
            Reason = status.Reason,
            Details = status.Details,
            Code = status.Code is >= 400 ? status.Code : 400,
        };
    }

    private static V1Status InternalError(string message) => new()
    {
        ApiVersion = "v1",
        Kind = "Status",
        Metadata = new V1ListMeta(),
        Status = "Failure",
        Message = $"Internal error occurred: {message}",
        Reason = "InternalError",
        Details = new V1StatusDetails { Causes = [new V1StatusCause { Message = message }] },
        Code = 500,
    };

    private static V1Status BadRequest(string message) => new()
    {
        ApiVersion = "v1",
        Kind = "Status",
        Metadata = new V1ListMeta(),
        Status = "Failure",
        Message = message,
        Reason = "BadRequest",
        Code = 400,
    };

    private static V1Status NotFound(string @namespace) => new()
    {
        ApiVersion = "v1",
        Kind = "Status",
        Metadata = new V1ListMeta(),
        Status = "Failure",
        Message = $"namespaces \"{@namespace}\" not found",
        Reason = "NotFound",
        Details = new V1StatusDetails { Name = @namespace, Kind = "namespaces" },
        Code = 404,
    };

    /// <summary>What a mutating or validating webhook has in common.</summary>
    private sealed record Webhook(
        string Name,
        Admissionregistrationv1WebhookClientConfig? ClientConfig,
        IList<V1RuleWithOperations>? Rules,
        string? MatchPolicy,
        V1LabelSelector? NamespaceSelector,
        V1LabelSelector? ObjectSelector,
        string? FailurePolicy,
        string? SideEffects,
        int? TimeoutSeconds,
        IList<string>? AdmissionReviewVersions,
        bool ReinvokeIfNeeded)
    {
        public static Webhook From(V1MutatingWebhook w) => new(
            w.Name ?? "", w.ClientConfig, w.Rules, w.MatchPolicy, w.NamespaceSelector, w.ObjectSelector,
            w.FailurePolicy, w.SideEffects, w.TimeoutSeconds, w.AdmissionReviewVersions, w.ReinvocationPolicy == "IfNeeded");

        public static Webhook From(V1ValidatingWebhook w) => new(
            w.Name ?? "", w.ClientConfig, w.Rules, w.MatchPolicy, w.NamespaceSelector, w.ObjectSelector,
            w.FailurePolicy, w.SideEffects, w.TimeoutSeconds, w.AdmissionReviewVersions, false);
    }

    /// <summary>The result of considering one webhook: skipped, answered, failed open, or a refusal.</summary>
    private sealed record Invocation(bool Skipped, V1AdmissionResponse? Response, V1Status? Refusal, string? Failure)
    {
        public static readonly Invocation Skip = new(true, null, null, null);

        public static Invocation Answered(V1AdmissionResponse response) => new(false, response, null, null);

        public static Invocation Refuse(V1Status status) => new(false, null, status, null);

        public static Invocation FailedOpen(string message) => new(false, null, null, message);
    }
}
