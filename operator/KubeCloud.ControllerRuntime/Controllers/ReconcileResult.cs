namespace KubeCloud.ControllerRuntime.Controllers;

/// <summary>
/// How a reconcile ended when it did not throw: done, requeue (with the per-item backoff), or requeue after a fixed delay.
/// An exception means "failed, back off"; a <see cref="TerminalReconcileException"/> means "failed, do not retry".
/// </summary>
public readonly record struct ReconcileResult
{
    private ReconcileResult(bool requeue, TimeSpan requeueAfter)
    {
        Requeue = requeue;
        RequeueAfter = requeueAfter;
    }

    /// <summary>Process the item again, after the rate limiter's backoff.</summary>
    public bool Requeue { get; }

    /// <summary>Process the item again after this delay (the backoff is reset); zero when not set.</summary>
    public TimeSpan RequeueAfter { get; }

    /// <summary>Converged: nothing more to do until something changes.</summary>
    public static ReconcileResult Done { get; }

    /// <summary>Not converged yet: run again with the per-item backoff.</summary>
    public static ReconcileResult RequeueNow { get; } = new(true, TimeSpan.Zero);

    /// <summary>Run again after <paramref name="delay"/> (polling something outside the API server).</summary>
    public static ReconcileResult After(TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(delay, TimeSpan.Zero);
        return new(true, delay);
    }
}
