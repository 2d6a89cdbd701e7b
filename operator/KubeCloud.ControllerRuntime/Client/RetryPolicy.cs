using System.Net;
using System.Net.Http.Headers;

namespace KubeCloud.ControllerRuntime.Client;

/// <summary>
/// When a failed request is sent again, and after how long.
/// <list type="bullet">
/// <item>429 Too Many Requests: retried for every verb, creates included: the server refused before doing anything.</item>
/// <item>503 with Retry-After: retried for every verb: the API server sends it when it sheds load before processing.</item>
/// <item>Other 5xx, and connection failures before a response: retried only for GET, PUT, PATCH and DELETE.
/// GET is safe; PUT carries a resourceVersion, so a repeat of an update that did land fails with a Conflict instead of
/// applying twice; PATCH and DELETE are idempotent in effect. A POST (create) is not retried then: it may have
/// created the object, and the caller should read and decide.</item>
/// </list>
/// The delay doubles from <see cref="BaseDelay"/> up to <see cref="MaxDelay"/>; a Retry-After header (or
/// Status details.retryAfterSeconds) replaces it when longer, capped at <see cref="MaxRetryAfter"/>.
/// </summary>
public sealed record RetryPolicy
{
    /// <summary>Attempts in total, the first included.</summary>
    public int MaxAttempts { get; init; } = 5;

    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>No retries at all.</summary>
    public static RetryPolicy None { get; } = new() { MaxAttempts = 1 };

    /// <summary>Whether a response with <paramref name="status"/> to <paramref name="method"/> may be sent again.</summary>
    public static bool IsRetryable(HttpMethod method, HttpStatusCode status, bool hasRetryAfter)
    {
        ArgumentNullException.ThrowIfNull(method);
        var code = (int)status;
        if (code == 429 || (code == 503 && hasRetryAfter))
        {
            return true;
        }

        return code >= 500 && IsIdempotent(method);
    }

    /// <summary>Whether a request that failed without a response may be sent again.</summary>
    public static bool IsRetryableWithoutResponse(HttpMethod method) => IsIdempotent(method);

    /// <summary>The delay before attempt <paramref name="attempt"/> + 1 (attempt counts from 1).</summary>
    public TimeSpan DelayFor(int attempt, TimeSpan? retryAfter)
    {
        var exponential = BaseDelay * Math.Pow(2, Math.Max(0, attempt - 1));
        var delay = exponential > MaxDelay ? MaxDelay : exponential;
        if (retryAfter is { } serverSays && serverSays > delay)
        {
            delay = serverSays > MaxRetryAfter ? MaxRetryAfter : serverSays;
        }

        return delay;
    }

    internal static TimeSpan? RetryAfterOf(HttpResponseHeaders headers, TimeProvider time)
    {
        var value = headers.RetryAfter;
        if (value?.Delta is { } delta)
        {
            return delta;
        }

        if (value?.Date is { } date)
        {
            var wait = date - time.GetUtcNow();
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }

    private static bool IsIdempotent(HttpMethod method) =>
        method == HttpMethod.Get || method == HttpMethod.Put || method == HttpMethod.Patch || method == HttpMethod.Delete;
}
