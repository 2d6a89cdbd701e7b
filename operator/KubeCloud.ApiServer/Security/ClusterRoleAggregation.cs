using KubeCloud.ApiServer.Auth;
using KubeCloud.ApiServer.Http;
using KubeCloud.ApiServer.Resources;
using KubeCloud.ApiServer.Storage;

namespace KubeCloud.ApiServer.Security;

/// <summary>
/// Keeps aggregated ClusterRoles (aggregationRule) up to date: after any ClusterRole change, writes
/// back what KubeCloud.ApiServer.Auth's aggregator computes, as kube-controller-manager does.
/// </summary>
public sealed class ClusterRoleAggregation
{
    private static readonly GroupResource ClusterRoles = new("rbac.authorization.k8s.io", "clusterroles");
    private readonly ObjectStore _store;
    private readonly ClusterRoleAggregator _aggregator;
    [ThreadStatic]
    private static bool t_running;

    [ThreadStatic]
    private static bool t_again;

    public ClusterRoleAggregation(ObjectStore store, IClusterObjectSource source)
    {
        _store = store;
        _aggregator = new ClusterRoleAggregator(source);
    }

    public void OnCommitted(StoreEvent change)
    {
        if (change.Resource == ClusterRoles)
        {
            Run();
        }
    }

    public void Run()
    {
        // Our own write-backs commit ClusterRoles too: run again after them instead of recursing.
        if (t_running)
        {
            t_again = true;
            return;
        }

        t_running = true;
        try
        {
            for (var pass = 0; pass < 10; pass++)
            {
                t_again = false;
                WriteBack();
                if (!t_again)
                {
                    break;
                }
            }
        }
        finally
        {
            t_running = false;
        }
    }

    private void WriteBack()
    {
        foreach (var role in _aggregator.Aggregate())
        {
            var current = _store.Get(ClusterRoles, "", role.Name());
            if (current is null)
            {
                continue;
            }

            role.Metadata().Remove("resourceVersion");
            try
            {
                _store.Update(ClusterRoles, role, current.Revision);
            }
            catch (ApiException e) when (e.Code is 404 or 409)
            {
                // A newer write wins; its commit runs the aggregation again.
            }
        }
    }
}
