using System.Collections.Concurrent;

namespace KubeCloud.ControllerRuntime.Cache;

/// <summary>
/// One shared instance of each string that many cached objects repeat (apiVersion, kind, namespace, label keys and
/// values, finalizers, condition types, reasons and messages): every object deserialized from the API server carries
/// its own copies, 10,000 Servers some 10,000 of each. Bounded: strings longer than <see cref="MaxLength"/> are never
/// pooled, and once <see cref="Capacity"/> strings are pooled, new ones are returned as they are (a pool that filled
/// with one-off values would only hold them; it never grows past its capacity). Thread-safe.
/// </summary>
public sealed class StringPool(int capacity = 65_536)
{
    /// <summary>The longest string pooled; longer ones are seldom repeated (a message with details, a certificate).</summary>
    public const int MaxLength = 256;

    private readonly ConcurrentDictionary<string, string> _strings = new(StringComparer.Ordinal);
    private int _count;

    /// <summary>The pool the informers share, so each kind's objects share strings with the others'.</summary>
    public static StringPool Shared { get; } = new();

    /// <summary>How many strings the pool may hold.</summary>
    public int Capacity { get; } = capacity;

    /// <summary>How many strings it holds.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>The pooled instance equal to <paramref name="value"/> (pooling it if there is room), or <paramref name="value"/> itself.</summary>
    public string? Intern(string? value)
    {
        if (value is null || value.Length > MaxLength)
        {
            return value;
        }

        if (value.Length == 0)
        {
            return string.Empty;
        }

        if (_strings.TryGetValue(value, out var pooled))
        {
            return pooled;
        }

        if (Volatile.Read(ref _count) >= Capacity)
        {
            return value;
        }

        pooled = _strings.GetOrAdd(value, value);
        if (ReferenceEquals(pooled, value))
        {
            Interlocked.Increment(ref _count);
        }

        return pooled;
    }
}
