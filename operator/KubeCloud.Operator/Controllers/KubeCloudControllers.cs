using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Cache;
using KubeCloud.ControllerRuntime.Hosting;
using KubeCloud.Operator.Controllers.Hypervisors;
using KubeCloud.Operator.Controllers.ProjectQuotas;
using KubeCloud.Operator.Controllers.ServerGroups;
using KubeCloud.Operator.Controllers.Volumes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace KubeCloud.Operator.Controllers;

/// <summary>Registers every controller of the operator (one per kind) on top of <see cref="OperatorServiceCollectionExtensions.AddKubeCloudOperator"/>.</summary>
public static class KubeCloudControllers
{
    public static IServiceCollection AddKubeCloudControllers(this IServiceCollection services, OperatorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        services.TryAddSingleton(settings);

        // One line per controller, in kind order; settings.Controllers picks which run (kube-controller-manager's --controllers).
        if (settings.Runs(HypervisorReconciler.ControllerName))
        {
            services.AddController<Hypervisor, HypervisorReconciler>((c, sp) =>
            {
                HypervisorReconciler.AddIndexes(sp.GetRequiredService<SharedInformerFactory>());
                c.Watches<Server>(HypervisorReconciler.HypervisorsOf);
            });
        }

        if (settings.Runs(ProjectQuotaReconciler.ControllerName))
        {
            services.AddController<ProjectQuota, ProjectQuotaReconciler>((c, sp) =>
            {
                var quotas = sp.GetRequiredService<ProjectQuotaReconciler>();
                c.Watches<Server>(quotas.QuotasOf).Watches<Volume>(quotas.QuotasOf).Watches<Network>(quotas.QuotasOf)
                    .Watches<Port>(quotas.QuotasOf).Watches<ServerGroup>(quotas.QuotasOf).Watches<Flavor>(quotas.AllQuotas).WithWorkers(2);
            });
        }

        if (settings.Runs(ServerGroupReconciler.ControllerName))
        {
            services.AddController<ServerGroup, ServerGroupReconciler>((c, sp) =>
            {
                ServerGroupReconciler.AddIndexes(sp.GetRequiredService<SharedInformerFactory>());
                c.Watches<Server>(ServerGroupReconciler.GroupOf);
            });
        }

        if (settings.Runs(VolumeReconciler.ControllerName))
        {
            services.TryAddSingleton<StoragePlacer>();
            services.AddController<Volume, VolumeReconciler>((c, sp) =>
            {
                VolumeIndexes.AddTo(sp.GetRequiredService<SharedInformerFactory>());
                var volumes = sp.GetRequiredService<VolumeReconciler>();
                c.Watches<Server>(volumes.VolumesOf).Watches<Hypervisor>(volumes.UnplacedVolumes).WithWorkers(2);
            });
        }

        return services;
    }
}
