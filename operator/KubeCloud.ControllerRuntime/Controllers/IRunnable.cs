namespace KubeCloud.ControllerRuntime.Controllers;

/// <summary>Something the host runs until shutdown (a controller).</summary>
public interface IRunnable
{
    string Name { get; }

    /// <summary>Runs until <paramref name="cancellationToken"/> fires, then stops cleanly.</summary>
    Task RunAsync(CancellationToken cancellationToken);
}

/// <summary>A runnable whose work can be seen to run out: a controller whose queue is empty with no reconcile running.</summary>
public interface IIdleAware
{
    /// <summary>True while running with nothing queued and nothing in progress; false when not running.</summary>
    bool IsIdle { get; }
}
