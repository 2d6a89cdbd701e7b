namespace KubeCloud.Operator.Ipam;

/// <summary>
/// MAC addresses of one network's ports (Neutron's <c>base_mac</c>): random within a prefix
/// (<c>fa:16:3e</c> by default, a locally administered unicast prefix), never two ports with one
/// MAC; a requested MAC is validated (six octets, unicast, not taken) and honoured. Not
/// thread-safe on its own: the network's <see cref="NetworkAddressAllocator"/> guards it.
/// </summary>
public sealed class MacAddressAllocator
{
    /// <summary>Neutron's default base MAC prefix.</summary>
    public const string DefaultPrefix = "fa:16:3e";

    private const int RandomTries = 64;
    private readonly HashSet<ulong> _taken = [];
    private readonly Func<ulong> _random;
    private readonly ulong _prefix;
    private readonly ulong _suffixMask;

    /// <summary>
    /// An allocator for MACs starting with <paramref name="prefix"/> (one to five octets, unicast);
    /// <paramref name="random"/> gives random bits (tests pass a seeded or scripted source).
    /// </summary>
    public MacAddressAllocator(string prefix = DefaultPrefix, Func<ulong>? random = null)
    {
        if (!MacAddress.TryParseOctets(prefix, out var value, out var octets) || octets > 5)
        {
            throw new ArgumentException($"MAC prefix '{prefix}' must be one to five colon-separated hex octets, for example {DefaultPrefix}", nameof(prefix));
        }

        var suffixBits = (6 - octets) * 8;
        _prefix = value << suffixBits;
        _suffixMask = (1UL << suffixBits) - 1;
        if (!MacAddress.IsUnicast(_prefix))
        {
            throw new ArgumentException($"MAC prefix '{prefix}' has the multicast bit set (the lowest bit of the first octet); ports need unicast addresses", nameof(prefix));
        }

        Prefix = prefix;
        _random = random ?? (() => (ulong)Random.Shared.NextInt64());
    }

    public string Prefix { get; }

    public int Count => _taken.Count;

    public bool IsTaken(string mac) => MacAddress.TryParse(mac, out var value) && _taken.Contains(value);

    /// <summary>A new random MAC in the prefix, or null when every one is taken.</summary>
    public string? Allocate()
    {
        for (var i = 0; i < RandomTries; i++)
        {
            var candidate = _prefix | (_random() & _suffixMask);
            if (_taken.Add(candidate))
            {
                return MacAddress.Format(candidate);
            }
        }

        // A crowded prefix (or a poor random source): walk from a random point.
        var start = _random() & _suffixMask;
        for (var offset = 0UL; offset <= _suffixMask; offset++)
        {
            var candidate = _prefix | ((start + offset) & _suffixMask);
            if (_taken.Add(candidate))
            {
                return MacAddress.Format(candidate);
            }
        }

        return null;
    }

    /// <summary>Takes a requested MAC: null on success, else why it cannot be had. Any prefix is allowed, as in Neutron.</summary>
    public string? TryTake(string mac)
    {
        if (!MacAddress.TryParse(mac, out var value))
        {
            return $"'{mac}' is not a MAC address (six colon-separated hex octets)";
        }

        if (!MacAddress.IsUnicast(value))
        {
            return $"{mac} is a multicast address (the lowest bit of the first octet is set); a port needs a unicast MAC";
        }

        if (value == 0)
        {
            return $"{mac} is the all-zero address";
        }

        return _taken.Add(value) ? null : $"{mac} is already used by another port on the network";
    }

    public bool Release(string mac) => MacAddress.TryParse(mac, out var value) && _taken.Remove(value);
}
