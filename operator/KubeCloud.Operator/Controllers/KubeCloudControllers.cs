using k8s.Models;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Cache;
using KubeCloud.ControllerRuntime.Controllers;
using KubeCloud.ControllerRuntime.Hosting;
using KubeCloud.ControllerRuntime.Queue;
using KubeCloud.Operator.Controllers.Flavors;
using KubeCloud.Operator.Controllers.Hypervisors;
using KubeCloud.Operator.Controllers.Images;
using KubeCloud.Operator.Controllers.Networks;
using KubeCloud.Operator.Controllers.Ports;
using KubeCloud.Operator.Controllers.ProjectQuotas;
using KubeCloud.Operator.Controllers.ServerGroups;
using KubeCloud.Operator.Controllers.Servers;
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
        if (settings.Runs("flavor"))
        {
            services.AddController<Flavor, FlavorReconciler>((_, _) => { });
        }

        if (settings.Runs("image"))
        {
            services.TryAddSingleton<ImageSourceProbe>();
            services.AddController<Image, ImageReconciler>((c, sp) => c
                .Watches<V1Namespace>(sp.GetRequiredService<ImageReconciler>().SharedWith)
                .WithRateLimiter(() => new ExponentialFailureRateLimiter<ReconcileRequest>(settings.ImageSourceRetryDelay, TimeSpan.FromMinutes(5)))
                .WithWorkers(settings.ImageDigestConcurrency + 2)); // sources being read do not hold up the cheap passes (sharing)
        }

        services.TryAddSingleton<NetworkIpam>();
        services.TryAddSingleton<SegmentationIds>();
        if (settings.Runs("network"))
        {
            services.AddController<Network, NetworkReconciler>((c, sp) => NetworkWiring(c, sp.GetRequiredService<NetworkReconciler>()), sp => sp.GetRequiredService<SegmentationIds>());
        }

        if (settings.Runs("port"))
        {
            services.AddController<Port, PortReconciler>((c, sp) => PortWiring(c, sp.GetRequiredService<PortReconciler>()), sp => sp.GetRequiredService<NetworkIpam>());
        }

        if (settings.Runs("server"))
        {
            services.AddServerController();
        }

        if (settings.Runs(HypervisorReconciler.ControllerName))
        {
            services.AddController<Hypervisor, HypervisorReconciler>((c, sp) =>
            {
                ServerIndexes.AddTo(sp.GetRequiredService<SharedInformerFactory>());
                c.Watches<Server>(HypervisorReconciler.HypervisorsOf, HypervisorReconciler.PlacementChanged);
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
                ServerIndexes.AddTo(sp.GetRequiredService<SharedInformerFactory>());
                c.Watches<Server>(ServerGroupReconciler.GroupOf);
            });
        }

        if (settings.Runs(VolumeReconciler.ControllerName))
        {
            services.TryAddSingleton<StoragePlacer>();
            services.TryAddSingleton<ChapSecretWriter>();
            services.AddController<Volume, VolumeReconciler>((c, sp) =>
            {
                VolumeIndexes.AddTo(sp.GetRequiredService<SharedInformerFactory>());
                var volumes = sp.GetRequiredService<VolumeReconciler>();
                c.Watches<Server>(volumes.VolumesOf).Watches<Hypervisor>(volumes.UnplacedVolumes).WithWorkers(2);
            });
        }

        return services;
    }

    private static void NetworkWiring(ControllerBuilder<Network> networks, NetworkReconciler reconciler) =>
        networks.Watches<Port>(NetworkReconciler.NetworkOf).Watches<Network>(reconciler.NetworksWaitingForAVni)
            .Watches<Hypervisor>(reconciler.NetworksOfNode).WithWorkers(2);

    private static void PortWiring(ControllerBuilder<Port> ports, PortReconciler reconciler) =>
        ports.Watches<Network>(reconciler.PortsOf).Watches<Server>(reconciler.PortsOf).Watches<Port>(reconciler.RefusedPortsOnNetworkOf).WithWorkers(4);
}
