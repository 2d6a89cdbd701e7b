using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Cache;
using KubeCloud.ControllerRuntime.Controllers;
using KubeCloud.ControllerRuntime.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace KubeCloud.Operator.Controllers.Servers;

/// <summary>Registration of the Server controller.</summary>
public static class ServerControllerRegistration
{
    /// <summary>
    /// The Server controller: Servers, the Ports they own, and what they wait for (Hypervisors, Volumes, Ports named
    /// by portRef, Flavors, Images, Networks, ServerGroups, ProjectQuotas), each mapped to the servers concerned
    /// through the informer indexes. The allocation ledger is term-scoped (<see cref="ServerPlacement"/>): rebuilt
    /// from the Servers at the start of every run of the controller, before its first scheduling decision.
    /// </summary>
    public static IServiceCollection AddServerController(this IServiceCollection services)
    {
        services.TryAddSingleton<ServerPlacement>();
        services.TryAddSingleton<ServerMetrics>();
        return services.AddController<Server, ServerReconciler>((c, sp) =>
        {
            var settings = sp.GetRequiredService<OperatorSettings>().Servers;
            var servers = sp.GetRequiredService<SharedInformerFactory>().For<Server>().Store;
            c.Owns<Port>()
                .Watches<Port>(port => servers.ByIndex(ServerIndexes.ByPort, ServerIndexes.Key(port.Metadata.NamespaceProperty, port.Metadata.Name)).Select(ReconcileRequest.For))
                .Watches<Volume>(volume => servers.ByIndex(ServerIndexes.ByVolume, ServerIndexes.Key(volume.Metadata.NamespaceProperty, volume.Metadata.Name)).Select(ReconcileRequest.For))
                .Watches<Hypervisor>(hypervisor => ServerIndexes.PlacedOn(servers, hypervisor), HypervisorChange.ReadinessChanged)
                .Watches<Hypervisor>(_ => ServerIndexes.Waiting(servers), HypervisorChange.PlacementInputsChanged)
                .Watches<Flavor>(_ => ServerIndexes.Waiting(servers))
                .Watches<Image>(_ => ServerIndexes.Waiting(servers))
                .Watches<Network>(_ => ServerIndexes.Waiting(servers))
                .Watches<ServerGroup>(group => ServerIndexes.Waiting(servers, group.Metadata.NamespaceProperty))
                .Watches<ProjectQuota>(quota => ServerIndexes.Waiting(servers, quota.Metadata.NamespaceProperty))
                .WithWorkers(settings.Workers);
        }, sp => sp.GetRequiredService<ServerPlacement>());
    }
}
