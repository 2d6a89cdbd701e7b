namespace KubeCloud.ControllerRuntime.Events;

/// <summary>What identifies "the same event" for de-duplication: the object, type, reason, action, note and reporter.</summary>
public readonly record struct EventKey(string RegardingUidOrKey, string Type, string Reason, string Action, string Note, string ReportingController);

/// <summary>What the recorder should do with an event.</summary>
public enum EventDecisionKind
{
    /// <summary>Create a new Event object.</summary>
    Create,

    /// <summary>Bump the series of the existing Event named <see cref="EventDecision.ExistingName"/> to <see cref="EventDecision.Count"/>.</summary>
    IncrementSeries,

    /// <summary>Rate limited: the object has sent too many events.</summary>
    Drop,
}

public readonly record struct EventDecision(EventDecisionKind Kind, string? ExistingName, int Count);

/// <summary>
/// client-go's EventCorrelator for events.k8s.io/v1: an event equal to one seen within <see cref="SeriesWindow"/>
/// becomes a series count on the existing Event instead of a new object; each object has a token bucket
/// (burst <see cref="Burst"/>, one token per <see cref="RefillInterval"/>) so a hot loop cannot flood the API server.
/// </summary>
public sealed class EventCorrelator(TimeProvider? time = null)
{
    public static readonly TimeSpan SeriesWindow = TimeSpan.FromMinutes(10);
    public const int Burst = 25;
    public static readonly TimeSpan RefillInterval = TimeSpan.FromMinutes(5);
    private const int MaxEntries = 4096;

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _gate = new();
    private readonly Dictionary<EventKey, SeriesEntry> _series = [];
    private readonly Dictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);

    /// <summary>Decides what to do with an event; call <see cref="Created"/> after creating one.</summary>
    public EventDecision Correlate(EventKey key)
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            if (!TakeToken(key.RegardingUidOrKey, now))
            {
                return new EventDecision(EventDecisionKind.Drop, null, 0);
            }

            if (_series.TryGetValue(key, out var entry) && entry.Name is not null && now - entry.LastSeen < SeriesWindow)
            {
                entry.Count++;
                entry.LastSeen = now;
                return new EventDecision(EventDecisionKind.IncrementSeries, entry.Name, entry.Count);
            }

            return new EventDecision(EventDecisionKind.Create, null, 1);
        }
    }

    /// <summary>Remembers the Event created for <paramref name="key"/>, starting its series.</summary>
    public void Created(EventKey key, string eventName)
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            if (_series.Count >= MaxEntries)
            {
                foreach (var stale in _series.Where(e => now - e.Value.LastSeen >= SeriesWindow).Select(e => e.Key).ToList())
                {
                    _series.Remove(stale);
                }

                if (_series.Count >= MaxEntries)
                {
                    _series.Clear();
                }
            }

            _series[key] = new SeriesEntry { Name = eventName, Count = 1, LastSeen = now };
        }
    }

    /// <summary>Forgets a series whose Event disappeared (the next occurrence creates a new one).</summary>
    public void Forget(EventKey key)
    {
        lock (_gate)
        {
            _series.Remove(key);
        }
    }

    private bool TakeToken(string obj, DateTimeOffset now)
    {
        if (!_buckets.TryGetValue(obj, out var bucket))
        {
            _buckets[obj] = bucket = new Bucket { Tokens = Burst, Last = now };
        }

        bucket.Tokens = Math.Min(Burst, bucket.Tokens + ((now - bucket.Last) / RefillInterval));
        bucket.Last = now;
        if (bucket.Tokens < 1)
        {
            return false;
        }

        bucket.Tokens -= 1;
        return true;
    }

    private sealed class SeriesEntry
    {
        public string? Name { get; set; }

        public int Count { get; set; }

        public DateTimeOffset LastSeen { get; set; }
    }

    private sealed class Bucket
    {
        public double Tokens { get; set; }

        public DateTimeOffset Last { get; set; }
    }
}
