using System.Text.Json;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Cache;
using KubeCloud.ControllerRuntime.Client;

namespace KubeCloud.ControllerRuntime.Tests;

public class CachedStringsTests
{
    private const string ServerJson = """
        {"apiVersion":"kubecloud.io/v1alpha1","kind":"Server",
         "metadata":{"name":"NAME","namespace":"demo","uid":"UID","resourceVersion":"RV",
           "labels":{"kubecloud.io/node":"hv-1"},"annotations":{"note":"NAME"},
           "finalizers":["kubecloud.io/server","kubecloud.io/node-cleanup"],
           "ownerReferences":[{"apiVersion":"kubecloud.io/v1alpha1","kind":"ServerGroup","name":"g","uid":"u"}]},
         "spec":{"flavorRef":{"name":"m1.small"},"imageRef":{"name":"cirros","namespace":"images"}},
         "status":{"node":"hv-1","flavor":{"name":"m1.small","vcpus":1,"memory":"2Gi","rootDisk":"20Gi"},"conditions":[{"type":"Ready","status":"True","reason":"Active","message":"running on hv-1","lastTransitionTime":"2026-12-04T10:00:00Z"}]}}
        """;

    private static Server Read(string name) =>
        JsonSerializer.Deserialize<Server>(ServerJson.Replace("NAME", name, StringComparison.Ordinal).Replace("UID", "uid-" + name, StringComparison.Ordinal).Replace("RV", name.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal), KubernetesJsonOptions.Options)!;

    [Fact]
    public void Two_objects_share_their_repeated_strings_and_keep_their_own()
    {
        var pool = new StringPool();
        var a = Read("a");
        var b = Read("b");
        Assert.NotSame(a.Metadata.NamespaceProperty, b.Metadata.NamespaceProperty);

        CachedStrings.Intern(a, pool);
        CachedStrings.Intern(b, pool);

        Assert.Same(a.ApiVersion, b.ApiVersion);
        Assert.Same(a.Kind, b.Kind);
        Assert.Same(a.Metadata.NamespaceProperty, b.Metadata.NamespaceProperty);
        Assert.Same(a.Metadata.Labels.Keys.Single(), b.Metadata.Labels.Keys.Single());
        Assert.Same(a.Metadata.Labels["kubecloud.io/node"], b.Metadata.Labels["kubecloud.io/node"]);
        Assert.Same(a.Metadata.Annotations.Keys.Single(), b.Metadata.Annotations.Keys.Single());
        Assert.Same(a.Metadata.Finalizers[1], b.Metadata.Finalizers[1]);
        Assert.Same(a.Metadata.OwnerReferences[0].Kind, b.Metadata.OwnerReferences[0].Kind);
        Assert.Same(a.Spec.FlavorRef.Name, b.Spec.FlavorRef.Name);
        Assert.Same(a.Spec.ImageRef!.Namespace, b.Spec.ImageRef!.Namespace);
        Assert.Same(a.Status!.Node, b.Status!.Node);
        Assert.Same(a.Status.Flavor!.Name, b.Status.Flavor!.Name);
        var (ca, cb) = (a.Status!.Conditions![0], b.Status!.Conditions![0]);
        Assert.Same(ca.Type, cb.Type);
        Assert.Same(ca.Reason, cb.Reason);
        Assert.Same(ca.Message, cb.Message);

        // Values are unchanged, and each object's own strings stay its own.
        Assert.Equal(("a", "uid-a", "a"), (a.Metadata.Name, a.Metadata.Uid, a.Metadata.Annotations["note"]));
        Assert.Equal(("b", "uid-b", "b"), (b.Metadata.Name, b.Metadata.Uid, b.Metadata.Annotations["note"]));
        Assert.Equal("hv-1", b.Metadata.Labels["kubecloud.io/node"]);
        Assert.Equal(("Ready", ConditionStatus.True, "Active", "running on hv-1"), (cb.Type, cb.Status, cb.Reason, cb.Message));
        Assert.Equal(["kubecloud.io/server", "kubecloud.io/node-cleanup"], b.Metadata.Finalizers);
    }

    [Fact]
    public void The_pool_is_bounded_by_its_capacity_and_the_length_of_a_string()
    {
        var pool = new StringPool(capacity: 2);
        var first = pool.Intern(new string('x', 3));
        Assert.Same(first, pool.Intern(new string('x', 3)));
        pool.Intern("y");
        var full = new string('z', 3);
        Assert.Same(full, pool.Intern(full)); // full: returned as it is
        Assert.Equal(2, pool.Count);
        var longer = new string('l', StringPool.MaxLength + 1);
        Assert.Same(longer, new StringPool().Intern(longer));
        Assert.Null(pool.Intern(null));
    }
}
