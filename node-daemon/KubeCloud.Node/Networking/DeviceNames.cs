using System.Security.Cryptography;
using System.Text;

namespace KubeCloud.Node.Networking;

/// <summary>
/// Linux device names derived from resource ids: a short kind prefix plus a base32 hash, so they
/// fit the 15-character limit (IFNAMSIZ - 1), are stable across restarts, and do not collide.
/// </summary>
public static class DeviceNames
{
    public const int MaxLength = 15;

    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    /// <summary>The bridge of a tenant network on this node: kcbr + 10 hash characters.</summary>
    public static string Bridge(string networkId) => Derive("kcbr", networkId, 10);

    /// <summary>The VXLAN device of a tenant network: kcvx + 10.</summary>
    public static string Vxlan(string networkId) => Derive("kcvx", networkId, 10);

    /// <summary>A server NIC's tap (the Port's id): tap + 11, the prefix libvirt and nova use.</summary>
    public static string Tap(string portId) => Derive("tap", portId, 11);

    /// <summary>The DHCP namespace of a network.</summary>
    public static string DhcpNamespace(string networkId) => Derive("kcdhcp-", networkId, 10);

    /// <summary>The bridge end of the DHCP namespace's veth pair.</summary>
    public static string DhcpVethBridgeSide(string networkId) => Derive("kcdh", networkId, 10);

    /// <summary>The namespace end of the DHCP veth pair.</summary>
    public static string DhcpVethNamespaceSide(string networkId) => Derive("kcdn", networkId, 10);

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
}
