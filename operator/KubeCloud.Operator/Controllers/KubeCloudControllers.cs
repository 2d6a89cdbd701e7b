using KubeCloud.ControllerRuntime.Hosting;
using KubeCloud.Operator.Controllers.Servers;
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
        services.AddServerController();
        return services;
    }
}
