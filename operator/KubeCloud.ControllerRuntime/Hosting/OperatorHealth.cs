namespace KubeCloud.ControllerRuntime.Hosting;

/// <summary>Liveness and readiness of the operator: ready once every informer cache has synced.</summary>
public sealed class OperatorHealth
{
    private volatile bool _ready;
    private volatile bool _leader;

    public bool Ready => _ready;

    /// <summary>True while this replica leads (always true without leader election once controllers run).</summary>
    public bool Leader => _leader;

    internal void MarkReady() => _ready = true;

    internal void SetLeader(bool leader) => _leader = leader;
}
