using System.Diagnostics;
using System.Globalization;
using KubeCloud.ControllerRuntime.Observability;

namespace KubeCloud.ControllerRuntime.Client;

/// <summary>
/// client-go's <c>rest_client_requests_total{code,method,host}</c> and <c>rest_client_request_duration_seconds{verb,host}</c>
/// for every attempt that goes out (inside <see cref="RetryHandler"/>); code <c>&lt;error&gt;</c> when no response came.
/// The duration runs until the response headers (for a watch, the moment it is established).
/// </summary>
public sealed class RestClientMetricsHandler : DelegatingHandler
{
    public const string ErrorCode = "<error>";

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var started = Stopwatch.GetTimestamp();
        var code = ErrorCode;
        try
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            code = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
            return response;
        }
        finally
        {
            RuntimeMetrics.RecordRequest(request.Method.Method, code, request.RequestUri?.Authority ?? "", Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }
}
