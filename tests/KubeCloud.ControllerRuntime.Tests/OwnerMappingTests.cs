using k8s;
using k8s.Models;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Controllers;

namespace KubeCloud.ControllerRuntime.Tests;

public class OwnerMappingTests
{
    [Fact]
    public void Only_the_controlling_owner_of_the_right_kind_and_group_is_queued()
    {
        var port = new Port
        {
            Metadata = new V1ObjectMeta
            {
                Name = "web-port0",
                NamespaceProperty = "demo",
                OwnerReferences =
                [
                    new V1OwnerReference { ApiVersion = "kubecloud.io/v1alpha1", Kind = "Server", Name = "web", Controller = true },
                    new V1OwnerReference { ApiVersion = "kubecloud.io/v1alpha1", Kind = "Server", Name = "not-controller" },
                    new V1OwnerReference { ApiVersion = "other.io/v1", Kind = "Server", Name = "foreign", Controller = true },
                    new V1OwnerReference { ApiVersion = "kubecloud.io/v1alpha1", Kind = "Network", Name = "net", Controller = true },
                ],
            },
        };

        var requests = ControllerBuilder<Server>.OwnerRequests(ResourceInfo.Of<Server>(), port).ToList();
        Assert.Equal([new ReconcileRequest("demo", "web")], requests);

        var clusterOwned = ControllerBuilder<Flavor>.OwnerRequests(ResourceInfo.Of<Flavor>(), new Port
        {
            Metadata = new V1ObjectMeta { Name = "p", NamespaceProperty = "demo", OwnerReferences = [new V1OwnerReference { ApiVersion = "kubecloud.io/v1alpha1", Kind = "Flavor", Name = "m1", Controller = true }] },
        }).Single();
        Assert.Equal(new ReconcileRequest(null, "m1"), clusterOwned);
        Assert.Equal("m1", clusterOwned.ToString());
    }

    [Fact]
    public void Reconcile_results_are_done_requeue_or_requeue_after()
    {
        Assert.False(ReconcileResult.Done.Requeue);
        Assert.True(ReconcileResult.RequeueNow.Requeue);
        Assert.Equal(TimeSpan.FromSeconds(30), ReconcileResult.After(TimeSpan.FromSeconds(30)).RequeueAfter);
        Assert.Throws<ArgumentOutOfRangeException>(() => ReconcileResult.After(TimeSpan.Zero));
    }
}
