namespace KubeCloud.ControllerRuntime.Controllers;

/// <summary>Something the host runs until shutdown (a controller).</summary>
public interface IRunnable
{
    string Name { get; }

    /// <summary>Runs until <paramref name="cancellationToken"/> fires, then stops cleanly.</summary>
    Task RunAsync(CancellationToken cancellationToken);
}
