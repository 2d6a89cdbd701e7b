using k8s;
using k8s.Models;
using KubeCloud.ControllerRuntime.Cache;
using KubeCloud.ControllerRuntime.Controllers;
using KubeCloud.ControllerRuntime.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace KubeCloud.Operator.Controllers;

/// <summary>
/// In-memory state a controller rebuilds from the caches (IPAM allocators, VNIs): valid for one run of the controller,
/// that is one leadership term. Another leader may have written in between, so a replica that leads again must
/// forget what it held and rebuild from the objects; <see cref="BeginTerm"/> is called before the controller's
/// workers start (the previous run's workers have stopped by then).
/// </summary>
public interface ITermState
{
    void BeginTerm();
}

/// <summary>
/// <see cref="OperatorServiceCollectionExtensions.AddController{T, TReconciler}"/> with the service provider at hand
/// while wiring (mapped watches read indexes of the caches) and with term-scoped state reset at each start.
/// </summary>
public static class TermScopedControllers
{
    public static IServiceCollection AddController<T, TReconciler>(
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

    private sealed class TermScopedRunnable(IRunnable inner, ITermState state) : IRunnable
    {
        public string Name => inner.Name;

        public Task RunAsync(CancellationToken cancellationToken)
        {
            state.BeginTerm();
            return inner.RunAsync(cancellationToken);
        }
    }
}
