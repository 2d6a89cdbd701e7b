namespace KubeCloud.ApiServer.Auth;

/// <summary>
/// An <see cref="IClusterObjectSource"/> that can say when a resource last changed, so that
/// authorization can keep its compiled policy until the RBAC objects change. Optional: without
/// it the authorizer recompiles the policy on every request.
/// </summary>
public interface IVersionedClusterObjectSource : IClusterObjectSource
{
    /// <summary>
    /// A number that differs whenever any object of the resource has been created, updated or
    /// deleted since the last call (the highest resourceVersion written to it, or the store's
    /// global revision, which is coarser but correct).
    /// </summary>
    long RevisionOf(string group, string resource);
}
