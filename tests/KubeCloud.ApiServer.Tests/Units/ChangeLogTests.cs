using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Http;
using KubeCloud.ApiServer.Persistence;
using KubeCloud.ApiServer.Resources;
using KubeCloud.ApiServer.Storage;

namespace KubeCloud.ApiServer.Tests.Units;

/// <summary>
/// An <see cref="ObjectStore"/> on a <see cref="SqliteChangeLog"/>, closed and opened again: the same objects at the same
/// revisions, the same watch history (with the previous objects watches filter on), and 410 Gone behind a compaction.
/// </summary>
public sealed class ChangeLogTests : IDisposable
{
    private static readonly GroupResource ConfigMaps = new("", "configmaps");
    private readonly string _directory = Directory.CreateTempSubdirectory("kubecloud-changelog-").FullName;

    public static TheoryData<string, string[]> Histories => new()
    {
        { "creates", ["create a", "create b"] },
        { "updates", ["create a", "update a", "update a"] },
        { "a delete last", ["create a", "create b", "delete b"] },
        { "recreated after a delete", ["create a", "delete a", "create a"] },
        { "compacted, then more changes", ["create a", "create b", "update a", "delete b", "compact", "update a", "create c"] },
        { "compacted after a delete last", ["create a", "update a", "create b", "delete a", "compact"] },
    };

    [Theory]
    [MemberData(nameof(Histories))]
    public void A_reopened_store_has_the_same_objects_revision_and_history(string name, string[] steps)
    {
        long revision;
        List<string> objects, history;
        long compacted = 0;
        using (var log = new SqliteChangeLog(_directory))
        {
            var store = new ObjectStore(100, log);
            foreach (var step in steps)
            {
                Apply(store, step);
                if (step == "compact")
                {
                    compacted = store.Revision;
                }
            }

            (revision, objects, history) = (store.Revision, Objects(store), History(store, compacted));
        }

        using var reopened = new SqliteChangeLog(_directory);
        var again = new ObjectStore(100, reopened);
        Assert.True(revision == again.Revision, $"{name}: revision {again.Revision}, before {revision}");
        Assert.Equal(objects, Objects(again));
        Assert.Equal(history, History(again, compacted));
        if (compacted > 0)
        {
            Assert.Equal(410, Assert.Throws<ApiException>(() => again.Subscribe(new Watcher(ConfigMaps, null), compacted - 1)).Code);
        }

        var next = again.Create(ConfigMaps, ConfigMap("next"));
        Assert.Equal(revision + 1, next.Revision);
    }

    [Fact]
    public void The_history_window_of_the_reopened_store_is_the_configured_one()
    {
        using (var log = new SqliteChangeLog(_directory))
        {
            var store = new ObjectStore(100, log);
            for (var i = 0; i < 20; i++)
            {
                Apply(store, $"create o{i}");
            }
        }

        using var reopened = new SqliteChangeLog(_directory);
        var again = new ObjectStore(5, reopened);
        Assert.Equal(5, again.Subscribe(new Watcher(ConfigMaps, null), 15).Initial.Count);
        Assert.Equal(410, Assert.Throws<ApiException>(() => again.Subscribe(new Watcher(ConfigMaps, null), 14)).Code);
        Assert.Equal(20, again.List(ConfigMaps, null).Items.Count);
    }

    private static void Apply(ObjectStore store, string step)
    {
        var (verb, name) = step.Contains(' ', StringComparison.Ordinal) ? (step[..step.IndexOf(' ', StringComparison.Ordinal)], step[(step.IndexOf(' ', StringComparison.Ordinal) + 1)..]) : (step, "");
        switch (verb)
        {
            case "create":
                store.Create(ConfigMaps, ConfigMap(name));
                break;
            case "update":
                var current = store.Get(ConfigMaps, "default", name)!;
                var changed = current.Copy();
                changed["data"]!["step"] = current.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture);
                store.Update(ConfigMaps, changed, current.Revision);
                break;
            case "delete":
                store.Delete(ConfigMaps, "default", name, null);
                break;
            case "compact":
                store.CompactHistory();
                break;
            default:
                throw new ArgumentException($"unknown step {step}", nameof(step));
        }
    }

    private static JsonObject ConfigMap(string name) =>
        new() { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default" }, ["data"] = new JsonObject { ["step"] = "0" } };

    private static List<string> Objects(ObjectStore store) =>
        store.List(ConfigMaps, null).Items.Select(o => $"{o.Name}@{o.Revision} {System.Text.Encoding.UTF8.GetString(o.Json)}").ToList();

    private static List<string> History(ObjectStore store, long since) =>
        store.Subscribe(new Watcher(ConfigMaps, null), since).Initial
            .Select(e => $"{e.Type} {e.Object.Name}@{e.Revision} after {e.Previous?.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}")
            .ToList();

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
