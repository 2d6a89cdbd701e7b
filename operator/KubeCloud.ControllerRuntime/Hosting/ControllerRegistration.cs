using KubeCloud.ControllerRuntime.Controllers;

namespace KubeCloud.ControllerRuntime.Hosting;

/// <summary>A controller the host builds from the service provider at start.</summary>
public sealed class ControllerRegistration(Func<IServiceProvider, IRunnable> build)
{
    public IRunnable Build(IServiceProvider services) => build(services);
}
