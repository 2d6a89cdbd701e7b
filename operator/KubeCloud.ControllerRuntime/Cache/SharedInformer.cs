using k8s;
using k8s.Models;
using KubeCloud.ControllerRuntime.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using WatchEventType = KubeCloud.ControllerRuntime.Client.WatchEventType;

namespace KubeCloud.ControllerRuntime.Cache;

/// <summary>
/// Keeps an in-memory copy of one kind in step with the API server and tells handlers what changed:
/// list (paged), then watch from the list's resourceVersion with bookmarks; on a dropped or ended watch, watch again
/// from the last resourceVersion seen (with exponential backoff after failures); on 410 Gone, list again and deliver
/// objects missing from the new list as deletes (final state unknown).
/// </summary>
public sealed class SharedInformer<T> : IInformer
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>The annotation <c>kubectl apply</c> keeps its last applied configuration in.</summary>
    public const string LastAppliedConfiguration = "kubectl.kubernetes.io/last-applied-configuration";

    private readonly IKubeClient _client;
    private readonly InformerOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Indexer<T> _indexer = new();
    private readonly Lock _dispatchGate = new();
    private readonly List<IResourceEventHandler<T>> _handlers = [];
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _started;

    public SharedInformer(IKubeClient client, InformerOptions? options = null, ILogger? logger = null, TimeProvider? time = null)
    {
        _client = client;
        _options = options ?? new InformerOptions();
        _logger = logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The cache. Read from it freely; never change the objects it returns.</summary>
    public IIndexer<T> Store => _indexer;

    public Type ObjectType => typeof(T);

    /// <summary>True once the first list is in the cache.</summary>
    public bool HasSynced => _synced.Task.IsCompleted;

    /// <summary>The resourceVersion the cache is known to be current with (advanced by every event, bookmarks included).</summary>
    public string? LastSyncResourceVersion { get; private set; }

    /// <summary>How many times the informer has listed (1 + relists after 410).</summary>
    public int ListCount { get; private set; }

    /// <summary>How many resyncs (see <see cref="InformerOptions.ResyncPeriod"/>) it has delivered.</summary>
    public int ResyncCount { get; private set; }

    /// <summary>How many watches it has opened.</summary>
    public int WatchCount { get; private set; }

    /// <summary>Adds a secondary index, e.g. <c>AddIndex("node", s => [s.Status?.Node])</c>. Call before <see cref="RunAsync"/>.</summary>
    public void AddIndex(string name, Func<T, IEnumerable<string?>> indexFunction)
    {
        ArgumentNullException.ThrowIfNull(indexFunction);
        _indexer.AddIndex(name, obj => indexFunction(obj).Where(v => !string.IsNullOrEmpty(v)).Select(v => v!));
    }

    /// <summary>
    /// Registers a handler. Objects already cached are delivered to it as adds first, so a handler added late
    /// (a controller starting after a leader election) sees the whole world. Dispose the result to unregister.
    /// </summary>
    public IDisposable AddEventHandler(IResourceEventHandler<T> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_dispatchGate)
        {
            foreach (var obj in _indexer.List())
            {
                Notify(handler, h => h.OnAdd(obj));
            }

            _handlers.Add(handler);
        }

        return new Registration(this, handler);
    }

    public Task WaitForCacheSyncAsync(CancellationToken cancellationToken) => _synced.Task.WaitAsync(cancellationToken);

    /// <summary>Lists and watches until <paramref name="cancellationToken"/> fires. Never throws for API or network errors.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) == 1)
        {
            throw new InvalidOperationException("An informer runs once.");
        }

        var kind = ResourceInfo.Of<T>().Kind;
        using var resync = _options.ResyncPeriod is { } period && period > TimeSpan.Zero
            ? _time.CreateTimer(_ => Resync(), null, period, period)
            : null;
        var needList = true;
        var backoff = _options.InitialBackoff;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (needList)
                {
                    await ListAndReplaceAsync(cancellationToken).ConfigureAwait(false);
                    needList = false;
                    backoff = _options.InitialBackoff;
                }

                await WatchAsync(() => backoff = _options.InitialBackoff, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (GoneException)
            {
                _logger.LogInformation("{Kind} informer: resourceVersion {Version} is too old (410 Gone); relisting", kind, LastSyncResourceVersion);
                needList = true;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                _logger.LogWarning(ex, "{Kind} informer: {Phase} failed; retrying in {Delay}", kind, needList ? "list" : "watch", backoff);
                try
                {
                    await Task.Delay(backoff, _time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                backoff = backoff * 2 > _options.MaxBackoff ? _options.MaxBackoff : backoff * 2;
            }
        }
    }

    private async Task ListAndReplaceAsync(CancellationToken cancellationToken)
    {
        var objects = new List<T>();
        string? continueToken = null;
        string? version;
        do
        {
            var page = await _client.ListAsync<T>(_options.Namespace, new ListOptions
            {
                LabelSelector = _options.LabelSelector,
                FieldSelector = _options.FieldSelector,
                Limit = _options.PageSize,
                Continue = continueToken,
            }, cancellationToken).ConfigureAwait(false);
            foreach (var item in page.Items ?? [])
            {
                objects.Add(Cached(item));
            }

            continueToken = page.Metadata?.ContinueProperty;
            version = page.Metadata?.ResourceVersion;
        }
        while (!string.IsNullOrEmpty(continueToken));

        lock (_dispatchGate)
        {
            var changes = _indexer.Replace(objects);
            foreach (var handler in _handlers)
            {
                foreach (var obj in changes.Added)
                {
                    Notify(handler, h => h.OnAdd(obj));
                }

                foreach (var (old, updated) in changes.Updated)
                {
                    Notify(handler, h => h.OnUpdate(old, updated));
                }

                foreach (var obj in changes.Deleted)
                {
                    Notify(handler, h => h.OnDelete(obj, finalStateUnknown: true));
                }
            }

            LastSyncResourceVersion = version;
            ListCount++;
        }

        _synced.TrySetResult();
    }

    private async Task WatchAsync(Action onProgress, CancellationToken cancellationToken)
    {
        WatchCount++;
        var options = new WatchOptions
        {
            LabelSelector = _options.LabelSelector,
            FieldSelector = _options.FieldSelector,
            ResourceVersion = LastSyncResourceVersion,
            AllowWatchBookmarks = true,
            TimeoutSeconds = (int)_options.WatchTimeout.TotalSeconds,
        };
        await foreach (var e in _client.WatchAsync<T>(_options.Namespace, options, cancellationToken).ConfigureAwait(false))
        {
            Apply(e);
            onProgress();
        }
    }

    private void Apply(WatchEvent<T> e)
    {
        Cached(e.Object);
        lock (_dispatchGate)
        {
            switch (e.Type)
            {
                case WatchEventType.Added:
                case WatchEventType.Modified:
                    var old = _indexer.Upsert(e.Object);
                    foreach (var handler in _handlers)
                    {
                        if (old is null)
                        {
                            Notify(handler, h => h.OnAdd(e.Object));
                        }
                        else
                        {
                            Notify(handler, h => h.OnUpdate(old, e.Object));
                        }
                    }

                    break;
                case WatchEventType.Deleted:
                    _indexer.Remove(ObjectKey.Of(e.Object));
                    foreach (var handler in _handlers)
                    {
                        Notify(handler, h => h.OnDelete(e.Object, finalStateUnknown: false));
                    }

                    break;
                case WatchEventType.Bookmark:
                    break;
            }

            if (e.Object.Metadata?.ResourceVersion is { Length: > 0 } version)
            {
                LastSyncResourceVersion = version;
            }
        }
    }

    /// <summary>
    /// The object as the cache keeps it (see <see cref="InformerOptions.StripManagedFields"/>,
    /// <see cref="InformerOptions.StripLastAppliedConfiguration"/> and <see cref="InformerOptions.InternStrings"/>).
    /// </summary>
    private T Cached(T obj)
    {
        if (obj.Metadata is not { } metadata)
        {
            return obj;
        }

        if (_options.StripManagedFields)
        {
            metadata.ManagedFields = null;
        }

        if (_options.StripLastAppliedConfiguration && metadata.Annotations is { } annotations && annotations.Remove(LastAppliedConfiguration) && annotations.Count == 0)
        {
            metadata.Annotations = null;
        }

        if (_options.InternStrings)
        {
            CachedStrings.Intern(obj, StringPool.Shared);
        }

        return obj;
    }

    /// <summary>Delivers every cached object to every handler as an update to itself (nothing before the first sync).</summary>
    private void Resync()
    {
        if (!HasSynced)
        {
            return;
        }

        lock (_dispatchGate)
        {
            var objects = _indexer.List();
            foreach (var handler in _handlers)
            {
                foreach (var obj in objects)
                {
                    Notify(handler, h => h.OnUpdate(obj, obj));
                }
            }

            ResyncCount++;
        }
    }

    /// <summary>A failing handler is logged and skipped: it must not stop the informer or the other handlers.</summary>
    private void Notify(IResourceEventHandler<T> handler, Action<IResourceEventHandler<T>> call)
    {
        try
        {
            call(handler);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.LogError(ex, "{Kind} informer: an event handler failed", ResourceInfo.Of<T>().Kind);
        }
    }

    private void RemoveHandler(IResourceEventHandler<T> handler)
    {
        lock (_dispatchGate)
        {
            _handlers.Remove(handler);
        }
    }

    private sealed class Registration(SharedInformer<T> informer, IResourceEventHandler<T> handler) : IDisposable
    {
        public void Dispose() => informer.RemoveHandler(handler);
    }
}
