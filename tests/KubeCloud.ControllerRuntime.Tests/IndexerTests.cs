using k8s;
using k8s.Models;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Cache;

namespace KubeCloud.ControllerRuntime.Tests;

public class IndexerTests
{
    private static Server ServerOn(string ns, string name, string? node, string rv = "1") => new()
    {
        Metadata = new V1ObjectMeta { NamespaceProperty = ns, Name = name, ResourceVersion = rv },
        Status = node is null ? null : new ServerStatus { Node = node },
    };

    [Fact]
    public void Namespace_and_custom_indexes_follow_updates_and_deletes()
    {
        var indexer = new Indexer<Server>();
        indexer.AddIndex("node", s => s.Status?.Node is { } n ? [n] : []);
        indexer.Upsert(ServerOn("a", "web", "node-1"));
        indexer.Upsert(ServerOn("a", "db", "node-2"));
        indexer.Upsert(ServerOn("b", "web", "node-1"));

        Assert.Equal(3, indexer.Count);
        Assert.Equal(2, indexer.ListByNamespace("a").Count);
        Assert.Equal(["a/web", "b/web"], indexer.ByIndex("node", "node-1").Select(ObjectKey.Of).Order());
        Assert.Equal("db", indexer.Get("a", "db")!.Metadata.Name);

        indexer.Upsert(ServerOn("a", "web", "node-2", "2"));
        Assert.Equal(["b/web"], indexer.ByIndex("node", "node-1").Select(ObjectKey.Of));
        Assert.Equal(2, indexer.ByIndex("node", "node-2").Count);

        indexer.Remove("b/web");
        Assert.Empty(indexer.ByIndex("node", "node-1"));
        Assert.DoesNotContain("node-1", indexer.IndexValues("node"));
        Assert.Throws<ArgumentException>(() => indexer.ByIndex("missing", "x"));
    }

    [Fact]
    public void Replace_reports_adds_changed_versions_and_deletes()
    {
        var indexer = new Indexer<Server>();
        indexer.Upsert(ServerOn("a", "kept", null, "1"));
        indexer.Upsert(ServerOn("a", "changed", null, "1"));
        indexer.Upsert(ServerOn("a", "gone", null, "1"));

        var result = indexer.Replace([ServerOn("a", "kept", null, "1"), ServerOn("a", "changed", null, "5"), ServerOn("a", "new", null, "6")]);
        Assert.Equal("new", Assert.Single(result.Added).Metadata.Name);
        Assert.Equal("changed", Assert.Single(result.Updated).New.Metadata.Name);
        Assert.Equal("gone", Assert.Single(result.Deleted).Metadata.Name);
        Assert.Equal(3, indexer.Count);
    }
}
