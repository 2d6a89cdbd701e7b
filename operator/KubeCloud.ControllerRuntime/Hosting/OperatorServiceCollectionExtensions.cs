using System.Diagnostics.CodeAnalysis;
using k8s;
using k8s.Models;
using KubeCloud.ControllerRuntime.Cache;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Config;
using KubeCloud.ControllerRuntime.Controllers;
using KubeCloud.ControllerRuntime.Events;
using KubeCloud.ControllerRuntime.LeaderElection;
using KubeCloud.ControllerRuntime.Observability;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace KubeCloud.ControllerRuntime.Hosting;

/// <summary>Registers the controller runtime and controllers in a service collection.</summary>
public static class OperatorServiceCollectionExtensions
{
    /// <summary>The client, the shared informers, the metrics exporter, health, events, leader election and the runtime service.</summary>
    public static IServiceCollection AddKubeCloudOperator(this IServiceCollection services, Action<OperatorOptions>? configure = null)
    {
        var options = new OperatorOptions();
        configure?.Invoke(options);
        services.TryAddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IKubeClient>(sp =>
        {
            var cluster = options.Cluster ?? ClusterConfig.Load();
            return new KubeClient(cluster, options.Client with
            {
                Logger = options.Client.Logger ?? sp.GetRequiredService<ILoggerFactory>().CreateLogger<KubeClient>(),
            });
        });
        services.TryAddSingleton(sp => new SharedInformerFactory(
            sp.GetRequiredService<IKubeClient>(), options.Informers, sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<OperatorHealth>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<MatcherPolicy, OperatorListeners.ListenerMatcherPolicy>());
        services.TryAddSingleton<IEventRecorder>(sp => new EventRecorder(
            sp.GetRequiredService<IKubeClient>(), options.EventSource, options.LeaderElection?.Identity ?? Environment.MachineName,
            sp.GetRequiredService<ILoggerFactory>().CreateLogger<EventRecorder>(), sp.GetRequiredService<TimeProvider>()));
        if (options.LeaderElection is { } election)
        {
            services.TryAddSingleton(sp => new LeaderElector(
                sp.GetRequiredService<IKubeClient>(), election, sp.GetRequiredService<ILoggerFactory>().CreateLogger<LeaderElector>(), sp.GetRequiredService<TimeProvider>()));
        }

        services.AddSingleton<OperatorRuntime>(sp => new OperatorRuntime(
            sp,
            sp.GetServices<ControllerRegistration>(),
            sp.GetRequiredService<SharedInformerFactory>(),
            sp.GetRequiredService<OperatorHealth>(),
            options,
            sp.GetRequiredService<ILogger<OperatorRuntime>>(),
            sp.GetService<LeaderElector>()));
        services.AddHostedService(sp => sp.GetRequiredService<OperatorRuntime>());
        return services;
    }

    /// <summary>
    /// A controller for <typeparamref name="T"/> run by <typeparamref name="TReconciler"/> (resolved from the container):
    /// <c>services.AddController&lt;Server, ServerReconciler&gt;(c =&gt; c.Owns&lt;Port&gt;().WithWorkers(4))</c>.
    /// </summary>
    public static IServiceCollection AddController<T, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TReconciler>(this IServiceCollection services, Action<ControllerBuilder<T>>? configure = null)
        where T : class, IKubernetesObject<V1ObjectMeta>
        where TReconciler : class, IReconciler<T> =>
        services.AddController<T, TReconciler>((builder, _) => configure?.Invoke(builder));

    /// <summary>
    /// As <see cref="AddController{T, TReconciler}(IServiceCollection, Action{ControllerBuilder{T}}?)"/>, with the
    /// service provider for watches that map through other services (an informer's index):
    /// <c>(c, sp) =&gt; c.Watches&lt;Server&gt;(sp.GetRequiredService&lt;VolumeReconciler&gt;().VolumesOf)</c>, and optionally
    /// state that lives for one leadership term (<see cref="ITermState"/>, reset before each start of the controller).
    /// </summary>
    public static IServiceCollection AddController<T, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TReconciler>(
        this IServiceCollection services,
        Action<ControllerBuilder<T>, IServiceProvider> configure,
        Func<IServiceProvider, ITermState>? termState = null)
        where T : class, IKubernetesObject<V1ObjectMeta>
        where TReconciler : class, IReconciler<T>
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.TryAddSingleton<TReconciler>();
        services.AddSingleton(new ControllerRegistration(sp =>
        {
            var builder = new ControllerBuilder(
                sp.GetRequiredService<SharedInformerFactory>(), sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<TimeProvider>())
                .For<T>();
            configure(builder, sp);
            var controller = builder.Build(sp.GetRequiredService<TReconciler>());
            return termState is null ? controller : new TermScopedRunnable(controller, termState(sp));
        }));
        return services;
    }
}
