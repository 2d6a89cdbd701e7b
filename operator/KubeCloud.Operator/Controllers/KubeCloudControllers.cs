using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Hosting;
using KubeCloud.Operator.Controllers.Networks;
using KubeCloud.Operator.Controllers.Ports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace KubeCloud.Operator.Controllers;

/// <summary>Registers every controller of the operator (one per kind) on top of <see cref="OperatorServiceCollectionExtensions.AddKubeCloudOperator"/>.</summary>
public static class KubeCloudControllers
{
    public static IServiceCollection AddKubeCloudControllers(this IServiceCollection services, OperatorSettings settings)
    {
        services.TryAddSingleton(settings);

        // One line per controller, in kind order.
        services.TryAddSingleton<NetworkIpam>();
        services.TryAddSingleton<SegmentationIds>();
        services.AddController<Network, NetworkReconciler>((c, _) => c.Watches<Port>(NetworkReconciler.NetworkOf).WithWorkers(2), sp => sp.GetRequiredService<SegmentationIds>());
        services.AddController<Port, PortReconciler>((c, sp) => PortWiring(c, sp.GetRequiredService<PortReconciler>()), sp => sp.GetRequiredService<NetworkIpam>());
        return services;
    }

    private static void PortWiring(ControllerRuntime.Controllers.ControllerBuilder<Port> ports, PortReconciler reconciler) =>
        ports.Watches<Network>(reconciler.PortsOf).Watches<Server>(reconciler.PortsOf).Watches<Port>(reconciler.RefusedPortsOnNetworkOf).WithWorkers(4);
}
