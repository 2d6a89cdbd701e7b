using System.Runtime.CompilerServices;
using k8s;
using k8s.Models;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Events;

namespace KubeCloud.ControllerRuntime.Tests;

public class EventBroadcastTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static readonly Server Web = new()
    {
        ApiVersion = "kubecloud.io/v1alpha1",
        Kind = "Server",
        Metadata = new V1ObjectMeta { NamespaceProperty = "demo", Name = "web", Uid = "uid-web" },
    };

    [Fact]
    public async Task Record_never_waits_for_the_API_server_drops_when_the_queue_is_full_and_dispose_flushes()
    {
        var client = new GatedEventClient();
        var recorder = new EventRecorder(client, "kubecloud.io/operator", "operator-0", queueCapacity: 3);

        // The first event is taken off the queue and its create hangs on the gate; three more fill the queue.
        Assert.True(recorder.Record(Web, EventTypes.Normal, "Reason0", "Act", "note"));
        await client.FirstCreateStarted.Task.WaitAsync(Deadline);
        var accepted = Enumerable.Range(1, 5).Select(i => recorder.Record(Web, EventTypes.Normal, $"Reason{i}", "Act", "note")).ToList();
        Assert.Equal([true, true, true, false, false], accepted);
        Assert.Equal(2, recorder.Dropped);

        client.Gate.SetResult();
        await recorder.DisposeAsync();
        Assert.Equal(["Reason0", "Reason1", "Reason2", "Reason3"], client.Created);
    }

    [Fact]
    public async Task Dispose_gives_up_on_an_unreachable_API_server_after_the_flush_timeout()
    {
        var client = new GatedEventClient();
        var recorder = new EventRecorder(client, "kubecloud.io/operator", "operator-0") { FlushTimeout = TimeSpan.FromMilliseconds(50) };
        recorder.Record(Web, EventTypes.Normal, "Stuck", "Act", "note");
        recorder.Record(Web, EventTypes.Normal, "NeverSent", "Act", "note");
        await client.FirstCreateStarted.Task.WaitAsync(Deadline);

        await recorder.DisposeAsync().AsTask().WaitAsync(Deadline);
        Assert.Empty(client.Created);
        Assert.Equal(1, client.CreateCalls);
    }

    /// <summary>Accepts event creates once <see cref="Gate"/> opens; a cancelled create throws as a timed-out request would.</summary>
    private sealed class GatedEventClient : IKubeClient
    {
        private readonly List<string> _created = [];
        private int _createCalls;

        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource FirstCreateStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int CreateCalls => Volatile.Read(ref _createCalls);

        public List<string> Created
        {
            get
            {
                lock (_created)
                {
                    return [.. _created];
                }
            }
        }

        public string DefaultNamespace => "default";

        public async Task<T> CreateAsync<T>(T obj, WriteOptions? options = null, CancellationToken cancellationToken = default)
            where T : class, IKubernetesObject<V1ObjectMeta>
        {
            Interlocked.Increment(ref _createCalls);
            FirstCreateStarted.TrySetResult();
            await Gate.Task.WaitAsync(cancellationToken);
            lock (_created)
            {
                _created.Add(((Eventsv1Event)(object)obj).Reason!);
            }

            return obj;
        }

        public Task<T> PatchAsync<T>(string name, string? @namespace, KubePatch patch, PatchOptions? options = null, CancellationToken cancellationToken = default)
            where T : class, IKubernetesObject<V1ObjectMeta> => throw new NotSupportedException();

        public Task<T> GetAsync<T>(string name, string? @namespace = null, CancellationToken cancellationToken = default)
            where T : class, IKubernetesObject<V1ObjectMeta> => throw new NotSupportedException();

        public Task<KubeList<T>> ListAsync<T>(string? @namespace = null, ListOptions? options = null, CancellationToken cancellationToken = default)
            where T : class, IKubernetesObject<V1ObjectMeta> => throw new NotSupportedException();

        public Task<T> UpdateAsync<T>(T obj, WriteOptions? options = null, CancellationToken cancellationToken = default)
            where T : class, IKubernetesObject<V1ObjectMeta> => throw new NotSupportedException();

        public Task<T> UpdateStatusAsync<T>(T obj, WriteOptions? options = null, CancellationToken cancellationToken = default)
            where T : class, IKubernetesObject<V1ObjectMeta> => throw new NotSupportedException();

        public Task<T> PatchStatusAsync<T>(string name, string? @namespace, KubePatch patch, PatchOptions? options = null, CancellationToken cancellationToken = default)
            where T : class, IKubernetesObject<V1ObjectMeta> => throw new NotSupportedException();

        public Task<DeleteResult<T>> DeleteAsync<T>(string name, string? @namespace = null, DeleteOptions? options = null, CancellationToken cancellationToken = default)
            where T : class, IKubernetesObject<V1ObjectMeta> => throw new NotSupportedException();

        public async IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(string? @namespace = null, WatchOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
            where T : class, IKubernetesObject<V1ObjectMeta>
        {
            await Task.CompletedTask;
            throw new NotSupportedException();
#pragma warning disable CS0162 // an iterator needs a yield
            yield break;
#pragma warning restore CS0162
        }
    }
}
