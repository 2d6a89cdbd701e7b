namespace KubeCloud.ControllerRuntime.Controllers;

/// <summary>
/// The whole contract of a controller: bring the world in line with the object named by the request. Level-triggered:
/// re-read the state each time, never branch on what kind of event caused the call. Must be idempotent.
/// </summary>
public interface IReconciler<T>
    where T : class
{
    Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken);
}
