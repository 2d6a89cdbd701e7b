using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using KubeCloud.ControllerRuntime.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KubeCloud.ControllerRuntime.Cache;

/// <summary>
/// One informer per kind, shared by every controller that asks for it (one watch per kind per process).
/// Informers asked for before <see cref="StartAsync"/> start with it; later ones start at once.
/// </summary>
public sealed class SharedInformerFactory(IKubeClient client, InformerOptions? defaults = null, ILoggerFactory? loggers = null, TimeProvider? time = null) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<Type, IInformer> _informers = new();
    private readonly ConcurrentDictionary<Type, InformerOptions> _kindOptions = new();
    private readonly List<Task> _running = [];
    private readonly Lock _gate = new();
    private readonly HashSet<IInformer> _started = [];
    private CancellationTokenSource? _stop;

    /// <summary>The informer of <typeparamref name="T"/>, created on first use.</summary>
    public SharedInformer<T> For<T>()
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var informer = (SharedInformer<T>)_informers.GetOrAdd(typeof(T), _ => new SharedInformer<T>(
            client,
            _kindOptions.GetValueOrDefault(typeof(T)) ?? defaults,
            (loggers ?? NullLoggerFactory.Instance).CreateLogger($"KubeCloud.ControllerRuntime.Informer.{ResourceInfo.Of<T>().Kind}"),
            time));
        lock (_gate)
        {
            if (_stop is not null)
            {
                Start(informer);
            }
        }

        return informer;
    }

    /// <summary>
    /// Watches <typeparamref name="T"/> with <paramref name="configure"/> applied to the factory's defaults (e.g. a label
    /// selector for one kind only, as a node agent watches only the Servers bound to its node). Call it before the first
    /// <see cref="For{T}"/> of the kind; later it throws, since the informer already runs with other options.
    /// </summary>
    public SharedInformerFactory Configure<T>(Func<InformerOptions, InformerOptions> configure)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(configure);
        if (_informers.ContainsKey(typeof(T)))
        {
            throw new InvalidOperationException($"the informer of {typeof(T).Name} exists already; configure it before its first use");
        }

        _kindOptions[typeof(T)] = configure(defaults ?? new InformerOptions());
        return this;
    }

    public IReadOnlyCollection<IInformer> Informers => [.. _informers.Values];

    public bool HasSynced => _informers.Values.All(i => i.HasSynced);

    /// <summary>Starts every informer created so far (and any created later).</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_stop is not null)
            {
                return Task.CompletedTask;
            }

            _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            foreach (var informer in _informers.Values)
            {
                Start(informer);
            }
        }

        return Task.CompletedTask;
    }

    public Task WaitForCacheSyncAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(_informers.Values.Select(i => i.WaitForCacheSyncAsync(cancellationToken)));

    public async ValueTask DisposeAsync()
    {
        Task[] running;
        CancellationTokenSource? stop;
        lock (_gate)
        {
            stop = _stop;
            _stop = null;
            running = [.. _running];
            _running.Clear();
        }

        if (stop is null)
        {
            return;
        }

        await stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(running).ConfigureAwait(false);
        stop.Dispose();
    }

    private void Start(IInformer informer)
    {
        if (_started.Add(informer))
        {
            var token = _stop!.Token;
            _running.Add(Task.Run(() => informer.RunAsync(token), CancellationToken.None));
        }
    }
}
