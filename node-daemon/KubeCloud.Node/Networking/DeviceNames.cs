using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace KubeCloud.Node.Networking;

/// <summary>
/// Linux device names derived from resource ids: a short kind prefix plus a base32 hash, so they
/// fit the 15-character limit (IFNAMSIZ - 1), are stable across restarts, and do not collide.
/// A node's bridges, VXLAN devices and DHCP namespaces start with its device prefix (<see cref="DefaultPrefix"/>,
/// the node daemon's <c>--device-prefix</c>), so two node daemons on one host keep apart.
/// </summary>
public static partial class DeviceNames
{
    public const int MaxLength = 15;

    /// <summary>The device prefix of a node that was given none.</summary>
    public const string DefaultPrefix = "kc";

    /// <summary>The longest device prefix: the hash keeps at least 9 characters (45 bits) after it.</summary>
    public const int MaxPrefixLength = 4;

    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    /// <summary>The bridge of a tenant network on this node: PREFIX br + 10 hash characters (9 after a 4-character prefix).</summary>
    public static string Bridge(string networkId, string prefix = DefaultPrefix) => Derive(RequirePrefix(prefix) + "br", networkId, HashLength(prefix));

    /// <summary>The VXLAN device of a tenant network: PREFIX vx + 10 (9).</summary>
    public static string Vxlan(string networkId, string prefix = DefaultPrefix) => Derive(RequirePrefix(prefix) + "vx", networkId, HashLength(prefix));

    /// <summary>A server NIC's tap (the Port's id): tap + 11, the prefix libvirt and nova use (ports are unique across nodes).</summary>
    public static string Tap(string portId) => Derive("tap", portId, 11);

    /// <summary>The DHCP namespace of a network (not a device: no length limit).</summary>
    public static string DhcpNamespace(string networkId, string prefix = DefaultPrefix) => Derive(RequirePrefix(prefix) + "dhcp-", networkId, 10);

    /// <summary>The bridge end of the DHCP namespace's veth pair.</summary>
    public static string DhcpVethBridgeSide(string networkId, string prefix = DefaultPrefix) => Derive(RequirePrefix(prefix) + "dh", networkId, HashLength(prefix));

    /// <summary>The namespace end of the DHCP veth pair.</summary>
    public static string DhcpVethNamespaceSide(string networkId, string prefix = DefaultPrefix) => Derive(RequirePrefix(prefix) + "dn", networkId, HashLength(prefix));

    /// <summary>Why <paramref name="prefix"/> cannot be a device prefix, or null when it can: 1 to 4 lower-case letters or digits, starting with a letter.</summary>
    public static string? PrefixProblem(string prefix) =>
        prefix is not null && PrefixPattern().IsMatch(prefix)
            ? null
            : $"a device prefix is 1 to {MaxPrefixLength} lower-case letters or digits, starting with a letter (bridges are PREFIXbr + hash, 15 characters at most)";

    public static string Derive(string prefix, string id, int hashLength)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        if (prefix.Length + hashLength > MaxLength && !prefix.EndsWith('-'))
        {
            throw new ArgumentException($"device name {prefix}+{hashLength} would exceed {MaxLength} characters");
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(id));
        var sb = new StringBuilder(prefix, prefix.Length + hashLength);
        ulong bits = BitConverter.ToUInt64(hash, 0);
        for (var i = 0; i < hashLength; i++)
        {
            if (i == 12)
            {
                bits = BitConverter.ToUInt64(hash, 8);
            }

            sb.Append(Alphabet[(int)(bits & 31)]);
            bits >>= 5;
        }

        return sb.ToString();
    }

    /// <summary>10 hash characters, fewer only where prefix + 2-letter kind + 10 would pass 15.</summary>
    private static int HashLength(string prefix) => Math.Min(10, MaxLength - 2 - prefix.Length);

    private static string RequirePrefix(string prefix) =>
        PrefixProblem(prefix) is { } problem ? throw new ArgumentException($"\"{prefix}\" is not a device prefix: {problem}", nameof(prefix)) : prefix;

    [GeneratedRegex("^[a-z][a-z0-9]{0,3}$")]
    private static partial Regex PrefixPattern();
}
