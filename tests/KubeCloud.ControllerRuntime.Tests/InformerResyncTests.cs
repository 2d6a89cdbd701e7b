using System.Runtime.CompilerServices;
using k8s;
using k8s.Models;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Cache;
using KubeCloud.ControllerRuntime.Client;

namespace KubeCloud.ControllerRuntime.Tests;

public class InformerResyncTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Every_period_each_handler_gets_every_cached_object_as_an_update_to_itself()
    {
        var time = new ManualTimeProvider();
        var client = new ListThenIdleClient(Server("a"), Server("b"));
        var informer = new SharedInformer<Server>(client, new InformerOptions { ResyncPeriod = TimeSpan.FromMinutes(10) }, time: time);
        var first = new RecordingHandler();
        var second = new RecordingHandler();
        informer.AddEventHandler(first);
        informer.AddEventHandler(second);
        using var stop = new CancellationTokenSource();
        var run = informer.RunAsync(stop.Token);
        await informer.WaitForCacheSyncAsync(CancellationToken.None).WaitAsync(Deadline);

        // Before the period has passed: only the adds of the initial list.
        time.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal(["add a", "add b"], first.Calls.Order(StringComparer.Ordinal));
        Assert.Equal(0, informer.ResyncCount);

        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, informer.ResyncCount);
        Assert.Equal(["resync a", "resync b"], first.Calls.Skip(2).Order(StringComparer.Ordinal));
        Assert.Equal(first.Calls, second.Calls);

        // Two more periods: two more rounds, each over the whole cache.
        time.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal(3, informer.ResyncCount);
        Assert.Equal(6, first.Calls.Count(c => c.StartsWith("resync", StringComparison.Ordinal)));
        Assert.DoesNotContain(first.Calls, c => c.StartsWith("update", StringComparison.Ordinal));

        await stop.CancelAsync();
        await run.WaitAsync(Deadline);
    }

    [Fact]
    public async Task Resync_is_off_by_default()
    {
        var time = new ManualTimeProvider();
        var informer = new SharedInformer<Server>(new ListThenIdleClient(Server("a")), time: time);
        var handler = new RecordingHandler();
        informer.AddEventHandler(handler);
        using var stop = new CancellationTokenSource();
        var run = informer.RunAsync(stop.Token);
        await informer.WaitForCacheSyncAsync(CancellationToken.None).WaitAsync(Deadline);

        time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(["add a"], handler.Calls);
        Assert.Equal(0, informer.ResyncCount);

        await stop.CancelAsync();
        await run.WaitAsync(Deadline);
    }

    [Fact]
    public async Task No_resync_is_delivered_before_the_first_list()
    {
        var time = new ManualTimeProvider();
        var client = new ListThenIdleClient(Server("a")) { ListGate = new TaskCompletionSource() };
        var informer = new SharedInformer<Server>(client, new InformerOptions { ResyncPeriod = TimeSpan.FromSeconds(30) }, time: time);
        var handler = new RecordingHandler();
        informer.AddEventHandler(handler);
        using var stop = new CancellationTokenSource();
        var run = informer.RunAsync(stop.Token);
        Assert.Equal(1, client.ListCalls); // RunAsync lists before its first await

        time.Advance(TimeSpan.FromMinutes(5));
        Assert.Empty(handler.Calls);
        Assert.Equal(0, informer.ResyncCount);

        client.ListGate.SetResult();
        await informer.WaitForCacheSyncAsync(CancellationToken.None).WaitAsync(Deadline);
        Assert.Equal(["add a"], handler.Calls);
        await stop.CancelAsync();
        await run.WaitAsync(Deadline);
    }

    private static Server Server(string name) => new()
    {
        ApiVersion = "kubecloud.io/v1alpha1",
        Kind = "Server",
        Metadata = new V1ObjectMeta { NamespaceProperty = "default", Name = name, ResourceVersion = "1" },
    };

    private sealed class RecordingHandler : IResourceEventHandler<Server>
    {
        private readonly List<string> _calls = [];

        public List<string> Calls
        {
            get
            {
                lock (_calls)
                {
                    return [.. _calls];
                }
            }
        }

        public void OnAdd(Server obj) => Add("add " + obj.Metadata.Name);

        public void OnUpdate(Server oldObj, Server newObj) =>
            Add((ReferenceEquals(oldObj, newObj) ? "resync " : "update ") + newObj.Metadata.Name);

        public void OnDelete(Server obj, bool finalStateUnknown) => Add("delete " + obj.Metadata.Name);

        private void Add(string call)
        {
            lock (_calls)
            {
                _calls.Add(call);
            }
        }
    }

    /// <summary>Answers the list with fixed objects; every watch stays open, silent, until cancelled.</summary>
    private sealed class ListThenIdleClient(params Server[] objects) : IKubeClient
    {
        private int _listCalls;

        public TaskCompletionSource? ListGate { get; init; }

        public int ListCalls => Volatile.Read(ref _listCalls);

        public string DefaultNamespace => "default";

        public async Task<KubeList<T>> ListAsync<T>(string? @namespace = null, ListOptions? options = null, CancellationToken cancellationToken = default)
            where T : class, IKubernetesObject<V1ObjectMeta>
        {
            Interlocked.Increment(ref _listCalls);
            if (ListGate is { } gate)
            {
                await gate.Task.WaitAsync(cancellationToken);
            }

            return new KubeList<T> { Metadata = new V1ListMeta { ResourceVersion = "1" }, Items = [.. objects.Cast<T>()] };
        }

        public async IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(string? @namespace = null, WatchOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
            where T : class, IKubernetesObject<V1ObjectMeta>
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            yield break;
        }

        public Task<T> GetAsync<T>(string name, string? @namespace = null, CancellationToken cancellationToken = default)
            where T : class, IKubernetesObject<V1ObjectMeta> => throw new NotSupportedException();

        public Task<T> CreateAsync<T>(T obj, WriteOptions? options = null, CancellationToken cancellationToken = default)
            where T : class, IKubernetesObject<V1ObjectMeta> => throw new NotSupportedException();

        public Task<T> UpdateAsync<T>(T obj, WriteOptions? options = null, CancellationToken cancellationToken = default)
            where T : class, IKubernetesObject<V1ObjectMeta> => throw new NotSupportedException();

        public Task<T> UpdateStatusAsync<T>(T obj, WriteOptions? options = null, CancellationToken cancellationToken = default)
            where T : class, IKubernetesObject<V1ObjectMeta> => throw new NotSupportedException();

        public Task<T> PatchAsync<T>(string name, string? @namespace, KubePatch patch, PatchOptions? options = null, CancellationToken cancellationToken = default)
            where T : class, IKubernetesObject<V1ObjectMeta> => throw new NotSupportedException();

        public Task<T> PatchStatusAsync<T>(string name, string? @namespace, KubePatch patch, PatchOptions? options = null, CancellationToken cancellationToken = default)
            where T : class, IKubernetesObject<V1ObjectMeta> => throw new NotSupportedException();

        public Task<DeleteResult<T>> DeleteAsync<T>(string name, string? @namespace = null, DeleteOptions? options = null, CancellationToken cancellationToken = default)
            where T : class, IKubernetesObject<V1ObjectMeta> => throw new NotSupportedException();
    }
}
