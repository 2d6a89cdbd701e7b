namespace KubeCloud.ControllerRuntime.Controllers;

/// <summary>
/// In-memory state a controller rebuilds from the caches (IPAM allocators, VNIs): valid for one run of the controller,
/// that is one leadership term. Another leader may have written in between, so a replica that leads again must
/// forget what it held and rebuild from the objects; <see cref="BeginTerm"/> is called before the controller's
/// workers start (the previous run's workers have stopped by then). Register it with the controller:
/// <c>services.AddController&lt;Port, PortReconciler&gt;((c, sp) =&gt; ..., sp =&gt; sp.GetRequiredService&lt;NetworkIpam&gt;())</c>.
/// </summary>
public interface ITermState
{
    void BeginTerm();
}

/// <summary>A controller whose term-scoped state is reset each time it starts.</summary>
internal sealed class TermScopedRunnable(IRunnable inner, ITermState state) : IRunnable
{
    public string Name => inner.Name;

    public Task RunAsync(CancellationToken cancellationToken)
    {
        state.BeginTerm();
        return inner.RunAsync(cancellationToken);
    }
}
