using System.Collections.Concurrent;
using System.Diagnostics;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Cache;
using KubeCloud.ControllerRuntime.Client;

namespace KubeCloud.Operator.Scale.Bench;

/// <summary>
/// When each server of a wave was sent, first seen, first seen scheduled (<c>status.node</c> set) and first seen
/// Active, on this process's clock, as a user watching the Servers sees it: the bench's own informer includes the
/// watch's delivery time in every figure. Handlers only stamp, so the informer loop stays quick.
/// </summary>
public sealed class ServerTimeline : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ServerTimes> _servers = new(StringComparer.Ordinal);
    private readonly SharedInformer<Server> _informer;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;
    private int _active;
    private int _expected = int.MaxValue;
    private TaskCompletionSource _allActive = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServerTimeline(IKubeClient client, string @namespace)
    {
        _informer = new SharedInformer<Server>(client, new InformerOptions { Namespace = @namespace });
        _informer.AddEventHandler(new ResourceEventHandler<Server>(onAdd: Observe, onUpdate: (_, server) => Observe(server)));
        _running = _informer.RunAsync(_stop.Token);
    }

    /// <summary>Servers first seen Active so far.</summary>
    public int Active => Volatile.Read(ref _active);

    /// <summary>The servers in phase Error now, by name, with their fault (the first few are worth printing).</summary>
    public IReadOnlyList<(string Name, string Fault)> Errors =>
        [.. _informer.Store.List().Where(s => s.Status?.Phase == ServerPhase.Error).Select(s => (s.Metadata.Name, s.Status?.Fault?.Message ?? "(no fault)"))];

    /// <summary>How many servers are in each phase now (null phase as "none").</summary>
    public IReadOnlyDictionary<string, int> Phases =>
        _informer.Store.List().GroupBy(s => s.Status?.Phase?.ToString() ?? "none", StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    public static async Task<ServerTimeline> StartAsync(IKubeClient client, string @namespace, CancellationToken cancellationToken)
    {
        var timeline = new ServerTimeline(client, @namespace);
        await timeline._informer.WaitForCacheSyncAsync(cancellationToken);
        return timeline;
    }

    /// <summary>Stamps the moment <paramref name="name"/> is sent (call before the create request).</summary>
    public void Sent(string name) => _servers[name] = new ServerTimes(Stopwatch.GetTimestamp());

    /// <summary>Completes once <paramref name="count"/> servers have been seen Active (counting those seen already).</summary>
    public Task WaitForActiveAsync(int count, CancellationToken cancellationToken)
    {
        lock (_servers)
        {
            _expected = count;
            _allActive = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (Active >= count)
            {
                _allActive.TrySetResult();
            }

            return _allActive.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>The stamps of the servers whose names <paramref name="names"/> lists.</summary>
    public IReadOnlyList<ServerTimes> Of(IEnumerable<string> names) => [.. names.Select(n => _servers.TryGetValue(n, out var t) ? t : null).OfType<ServerTimes>()];

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _running;
        _stop.Dispose();
    }

    private void Observe(Server server)
    {
        if (!_servers.TryGetValue(server.Metadata.Name, out var times))
        {
            return;
        }

        var now = Stopwatch.GetTimestamp();
        times.Seen ??= now;
        if (server.Status?.Node is { Length: > 0 })
        {
            times.Scheduled ??= now;
        }

        if (server.Status?.Phase == ServerPhase.Active && times.Active is null)
        {
            times.Active = now;
            if (Interlocked.Increment(ref _active) >= Volatile.Read(ref _expected))
            {
                lock (_servers)
                {
                    if (Active >= _expected)
                    {
                        _allActive.TrySetResult();
                    }
                }
            }
        }
    }
}

/// <summary>One server's stamps (<see cref="Stopwatch"/> ticks); null until it happened.</summary>
public sealed class ServerTimes(long sent)
{
    public long Sent { get; } = sent;

    public long? Seen { get; set; }

    public long? Scheduled { get; set; }

    public long? Active { get; set; }
}
