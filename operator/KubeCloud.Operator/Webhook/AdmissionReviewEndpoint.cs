using System.Diagnostics;
using System.Text.Json;
using KubeCloud.Operator.Admission;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace KubeCloud.Operator.Webhook;

/// <summary>
/// The HTTP side of one kind's webhook: an admission.k8s.io/v1 AdmissionReview in, the same review with its response
/// out. A refusal is <c>allowed: false</c> with a Status whose message lists every refused field with its rule
/// (<c>spec.forceNode: forceNode is admin only: ... [AdminOnly]</c>), whose causes carry field and rule, and whose code
/// is 403 when the caller lacks a grant and 422 when the input is wrong. Until the caches the rules read have synced,
/// every review is refused with 503 (the webhook configuration's failurePolicy is Fail, and /readyz is not ready).
/// The rules read the informer caches, which trail the API server by the time a watch event takes: a refusal that
/// says a reference does not exist is asked again a few times within <see cref="CacheLagGrace"/>, so applying a
/// network and a port on it in one <c>kubectl apply</c> does not fail on the port.
/// </summary>
public static class AdmissionReviewEndpoint
{
    private static readonly HashSet<string> AccessRules =
        [AdmissionRules.AdminOnly, AdmissionRules.NodeRestriction, AdmissionRules.NetworkAccess, AdmissionRules.ImageAccess, AdmissionRules.FlavorAccess];

    /// <summary>How long a "does not exist" refusal waits for the caches to catch up before it stands.</summary>
    public static readonly TimeSpan CacheLagGrace = TimeSpan.FromSeconds(1);

    public static async Task HandleAsync(HttpContext context, IKindWebhook webhook, InformerObjectLookup lookup, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(webhook);
        ArgumentNullException.ThrowIfNull(lookup);
        var started = Stopwatch.GetTimestamp();
        AdmissionReview? review;
        try
        {
            review = await JsonSerializer.DeserializeAsync<AdmissionReview>(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            await Results.Problem(e.Message, statusCode: StatusCodes.Status400BadRequest, title: "the body is not an AdmissionReview").ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        if (review?.Request is not { } request)
        {
            await Results.Problem("an admission.k8s.io/v1 AdmissionReview with a request is expected", statusCode: StatusCodes.Status400BadRequest).ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        var kind = webhook.Resource.Kind;
        var operation = request.Operation ?? "UNKNOWN";
        var response = await AnswerAsync(webhook, lookup, request, logger, context.RequestAborted).ConfigureAwait(false);
        response.Uid = request.Uid;
        WebhookMetrics.Requests.WithLabels(kind, operation, response.Allowed ? "true" : "false").Inc();
        WebhookMetrics.Duration.WithLabels(kind, operation).Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        var answer = new AdmissionReview { ApiVersion = review.ApiVersion ?? AdmissionReview.ApiVersionV1, Kind = "AdmissionReview", Response = response };
        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body, answer, cancellationToken: context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task<AdmissionReviewResponse> AnswerAsync(
        IKindWebhook webhook, InformerObjectLookup lookup, AdmissionReviewRequest request, ILogger logger, CancellationToken cancellationToken)
    {
        if (!lookup.HasSynced)
        {
            return Refusal(StatusCodes.Status503ServiceUnavailable, "ServiceUnavailable",
                "the KubeCloud admission webhook is not ready: its caches of KubeCloud objects have not synced yet; retry in a moment", request, webhook, null);
        }

        var caller = CallerOf(request);
        AdmissionVerdict verdict;
        try
        {
            verdict = await webhook.ValidateAsync(request, caller, cancellationToken).ConfigureAwait(false);
            for (var wait = TimeSpan.FromMilliseconds(50); !verdict.Allowed && MayBeCacheLag(verdict) && wait < CacheLagGrace; wait *= 2)
            {
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                verdict = await webhook.ValidateAsync(request, caller, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (JsonException e)
        {
            return Refusal(StatusCodes.Status400BadRequest, "BadRequest", $"the {webhook.Resource.Kind} does not read: {e.Message}", request, webhook, null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Admission of {Kind} {Namespace}/{Name} ({Operation}) failed", webhook.Resource.Kind, request.Namespace, request.Name, request.Operation);
            return Refusal(StatusCodes.Status500InternalServerError, "InternalError",
                $"the KubeCloud admission webhook could not decide: {e.Message}", request, webhook, null);
        }

        if (verdict.Allowed)
        {
            return new AdmissionReviewResponse { Allowed = true };
        }

        var forbidden = verdict.Errors.Any(e => AccessRules.Contains(e.Rule));
        logger.LogInformation("Refused {Operation} of {Kind} {Namespace}/{Name} by {User}: {Message}",
            request.Operation, webhook.Resource.Kind, request.Namespace, request.Name, caller.UserName, MessageOf(verdict.Errors));
        return Refusal(
            forbidden ? StatusCodes.Status403Forbidden : StatusCodes.Status422UnprocessableEntity,
            forbidden ? "Forbidden" : "Invalid",
            MessageOf(verdict.Errors),
            request,
            webhook,
            [.. verdict.Errors.Select(e => new AdmissionStatusCause(e.Rule, e.Message, e.Field))]);
    }

    private static bool MayBeCacheLag(AdmissionVerdict verdict) => verdict.Errors.Any(e => e.Rule == AdmissionRules.ReferenceExists);

    /// <summary>Every refusal, each naming its field and its rule.</summary>
    public static string MessageOf(IEnumerable<FieldError> errors) => string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message} [{e.Rule}]"));

    private static AdmissionReviewResponse Refusal(int code, string reason, string message, AdmissionReviewRequest request, IKindWebhook webhook, List<AdmissionStatusCause>? causes) => new()
    {
        Allowed = false,
        Status = new AdmissionStatus
        {
            Code = code,
            Reason = reason,
            Message = message,
            Details = new AdmissionStatusDetails { Name = request.Name, Group = webhook.Resource.Group, Kind = webhook.Resource.Plural, Causes = causes },
        },
    };

    private static AdmissionCaller CallerOf(AdmissionReviewRequest request)
    {
        var user = request.UserInfo;
        return new AdmissionCaller(user?.Username ?? string.Empty, [.. user?.Groups ?? []])
        {
            Uid = user?.Uid,
            Extra = user?.Extra?.ToDictionary(e => e.Key, e => (IReadOnlyList<string>)[.. e.Value], StringComparer.Ordinal),
        };
    }
}
