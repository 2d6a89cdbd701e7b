using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Cache;
using KubeCloud.ControllerRuntime.Controllers;
using KubeCloud.ControllerRuntime.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace KubeCloud.Operator.Controllers.Servers;

/// <summary>
/// The Server controller as the host runs it: every time this replica starts running it (at start, and on every
/// leadership gain) the allocation ledger is marked stale, so it is rebuilt from the Servers before the first
/// scheduling decision of that run.
/// </summary>
public sealed class ServerController(Controller<Server> inner, ServerPlacement placement) : IRunnable
{
    public string Name => inner.Name;

    public Controller<Server> Inner => inner;

    public Task RunAsync(CancellationToken cancellationToken)
    {
        placement.Invalidate();
        return inner.RunAsync(cancellationToken);
    }
}

/// <summary>Registration of the Server controller.</summary>
public static class ServerControllerRegistration
{
    /// <summary>
    /// The Server controller: Servers, the Ports they own, and what they wait for (Hypervisors, Volumes, Ports named
    /// by portRef, Flavors, Images, Networks, ServerGroups, ProjectQuotas), each mapped to the servers concerned
    /// through the informer indexes.
    /// </summary>
    public static IServiceCollection AddServerController(this IServiceCollection services)
    {
        services.TryAddSingleton<ServerPlacement>();
        services.TryAddSingleton<ServerMetrics>();
        services.TryAddSingleton<ServerReconciler>();
        services.AddSingleton(new ControllerRegistration(sp =>
        {
            var informers = sp.GetRequiredService<SharedInformerFactory>();
            var reconciler = sp.GetRequiredService<ServerReconciler>();
            var settings = sp.GetRequiredService<OperatorSettings>().Servers;
            var servers = informers.For<Server>().Store;
            var controller = new ControllerBuilder(informers, sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<TimeProvider>())
                .For<Server>()
                .Owns<Port>()
                .Watches<Port>(port => servers.ByIndex(ServerIndexes.ByPort, ServerIndexes.Key(port.Metadata.NamespaceProperty, port.Metadata.Name)).Select(ReconcileRequest.For))
                .Watches<Volume>(volume => servers.ByIndex(ServerIndexes.ByVolume, ServerIndexes.Key(volume.Metadata.NamespaceProperty, volume.Metadata.Name)).Select(ReconcileRequest.For))
                .Watches<Hypervisor>(hypervisor => ServerIndexes.ForHypervisor(servers, hypervisor))
                .Watches<Flavor>(_ => ServerIndexes.Waiting(servers))
                .Watches<Image>(_ => ServerIndexes.Waiting(servers))
                .Watches<Network>(_ => ServerIndexes.Waiting(servers))
                .Watches<ServerGroup>(group => ServerIndexes.Waiting(servers, group.Metadata.NamespaceProperty))
                .Watches<ProjectQuota>(quota => ServerIndexes.Waiting(servers, quota.Metadata.NamespaceProperty))
                .WithWorkers(settings.Workers)
                .Build(reconciler);
            return new ServerController(controller, sp.GetRequiredService<ServerPlacement>());
        }));
        return services;
    }
}
