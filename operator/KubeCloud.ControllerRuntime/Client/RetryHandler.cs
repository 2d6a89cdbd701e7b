using System.Net;
using System.Text.Json;
using KubeCloud.ControllerRuntime.Observability;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;

namespace KubeCloud.ControllerRuntime.Client;

/// <summary>
/// Sends a request again as <see cref="RetryPolicy"/> decides (429 and 503-with-Retry-After for every verb, other 5xx
/// and connection failures only for GET, PUT, PATCH and DELETE, never a POST after a 5xx), with Polly's retry strategy
/// on the delays the policy computes (a Retry-After header or Status <c>details.retryAfterSeconds</c> wins when longer).
/// It sits in KubernetesClient's handler chain, so the package's own calls are retried too.
/// </summary>
public sealed class RetryHandler : DelegatingHandler
{
    private static readonly ResiliencePropertyKey<HttpMethod> MethodKey = new("kubecloud.method");
    private static readonly ResiliencePropertyKey<string> HostKey = new("kubecloud.host");
    private static readonly ResiliencePropertyKey<TimeSpan?> RetryAfterKey = new("kubecloud.retry-after");
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly TimeProvider _time;

    public RetryHandler(RetryPolicy policy, TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        _time = time ?? TimeProvider.System;
        var log = logger ?? NullLogger.Instance;
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = _time };
        if (policy.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = policy.MaxAttempts - 1,
                UseJitter = false,
                ShouldHandle = ShouldRetryAsync,
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(
                    policy.DelayFor(args.AttemptNumber + 1, args.Context.Properties.GetValue(RetryAfterKey, null))),
                OnRetry = args =>
                {
                    var method = args.Context.Properties.GetValue(MethodKey, HttpMethod.Get);
                    var host = args.Context.Properties.GetValue(HostKey, "");
                    var code = args.Outcome.Result is { } response ? ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture) : RestClientMetricsHandler.ErrorCode;
                    log.LogDebug(args.Outcome.Exception, "{Method} answered {Code}; retry {Attempt} in {Delay}", method, code, args.AttemptNumber + 1, args.RetryDelay);
                    RuntimeMetrics.RecordRetry(method.Method, code, host);
                    args.Outcome.Result?.Dispose();
                    return default;
                },
            });
        }

        _pipeline = builder.Build();
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(MethodKey, request.Method);
        context.Properties.Set(HostKey, request.RequestUri?.Authority ?? "");
        try
        {
            return await _pipeline.ExecuteAsync(
                static async (ctx, state) => await state.Handler.BaseSendAsync(state.Request, ctx.CancellationToken).ConfigureAwait(false),
                context,
                (Handler: this, Request: request)).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private Task<HttpResponseMessage> BaseSendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        base.SendAsync(request, cancellationToken);

    private async ValueTask<bool> ShouldRetryAsync(RetryPredicateArguments<HttpResponseMessage> args)
    {
        var method = args.Context.Properties.GetValue(MethodKey, HttpMethod.Get);
        if (args.Outcome.Exception is { } exception)
        {
            return exception is HttpRequestException && !args.Context.CancellationToken.IsCancellationRequested
                && RetryPolicy.IsRetryableWithoutResponse(method);
        }

        var response = args.Outcome.Result!;
        if (response.IsSuccessStatusCode || (int)response.StatusCode < 429)
        {
            return false;
        }

        var retryAfter = RetryPolicy.RetryAfterOf(response.Headers, _time) ?? await RetryAfterSecondsOfStatusAsync(response, args.Context.CancellationToken).ConfigureAwait(false);
        args.Context.Properties.Set(RetryAfterKey, retryAfter);
        return RetryPolicy.IsRetryable(method, response.StatusCode, retryAfter is not null);
    }

    /// <summary>Status <c>details.retryAfterSeconds</c>; the body is buffered, so the caller can still read it.</summary>
    private static async Task<TimeSpan?> RetryAfterSecondsOfStatusAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var document = JsonDocument.Parse(bytes);
            return document.RootElement.TryGetProperty("details", out var details) && details.ValueKind == JsonValueKind.Object
                && details.TryGetProperty("retryAfterSeconds", out var seconds) && seconds.TryGetInt32(out var value)
                ? TimeSpan.FromSeconds(value)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
