using KubeCloud.ControllerRuntime.Observability;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Prometheus;

namespace KubeCloud.ControllerRuntime.Hosting;

/// <summary>Maps <c>/metrics</c> (Prometheus text), <c>/healthz</c> (alive) and <c>/readyz</c> (caches synced).</summary>
public static class OperatorEndpoints
{
    public static IEndpointRouteBuilder MapOperatorEndpoints(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapMetrics("/metrics", RuntimeMetrics.Registry);
        endpoints.MapGet("/healthz", () => Results.Text("ok"));
        endpoints.MapGet("/readyz", (OperatorHealth health) =>
            health.Ready ? Results.Text("ok") : Results.Text("caches not synced", statusCode: StatusCodes.Status503ServiceUnavailable));
        return endpoints;
    }
}
