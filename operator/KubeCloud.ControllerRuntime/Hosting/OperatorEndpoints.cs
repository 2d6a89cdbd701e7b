using KubeCloud.ControllerRuntime.Observability;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Prometheus;

namespace KubeCloud.ControllerRuntime.Hosting;

/// <summary>
/// Maps <c>/metrics</c> (Prometheus text) on the <see cref="OperatorListeners.Metrics"/> listener, <c>/healthz</c> (alive)
/// and <c>/readyz</c> (caches synced) on the <see cref="OperatorListeners.Health"/> listener (all three on an unnamed one).
/// </summary>
public static class OperatorEndpoints
{
    public static IEndpointRouteBuilder MapOperatorEndpoints(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapMetrics("/metrics", RuntimeMetrics.Registry).OnListener(OperatorListeners.Metrics);
        endpoints.MapGet("/healthz", () => Results.Text("ok")).OnListener(OperatorListeners.Health);
        endpoints.MapGet("/readyz", (OperatorHealth health) =>
            health.Ready ? Results.Text("ok") : Results.Text("caches not synced", statusCode: StatusCodes.Status503ServiceUnavailable))
            .OnListener(OperatorListeners.Health);
        return endpoints;
    }
}
