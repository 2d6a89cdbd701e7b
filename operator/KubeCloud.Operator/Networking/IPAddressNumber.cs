using System.Net;
using System.Net.Sockets;

namespace KubeCloud.Operator.Networking;

/// <summary>IPv4 and IPv6 addresses as unsigned numbers, for range arithmetic.</summary>
public static class IPAddressNumber
{
    /// <summary>The address as a number (IPv4 in the low 32 bits).</summary>
    public static UInt128 ToNumber(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        UInt128 value = 0;
        for (var i = 0; i < written; i++)
        {
            value = (value << 8) | bytes[i];
        }

        return value;
    }

    /// <summary>The address of <paramref name="family"/> whose number is <paramref name="value"/>.</summary>
    public static IPAddress FromNumber(UInt128 value, AddressFamily family)
    {
        var length = family == AddressFamily.InterNetwork ? 4 : 16;
        Span<byte> bytes = stackalloc byte[length];
        for (var i = length - 1; i >= 0; i--)
        {
            bytes[i] = (byte)(value & 0xff);
            value >>= 8;
        }

        return new IPAddress(bytes);
    }

    /// <summary>Parses an address, refusing IPv4-mapped IPv6 and zone indexes that have no place in a subnet.</summary>
    public static bool TryParse(string? text, out IPAddress address)
    {
        address = IPAddress.None;
        if (string.IsNullOrWhiteSpace(text) || text.Contains('%', StringComparison.Ordinal) || !IPAddress.TryParse(text, out var parsed))
        {
            return false;
        }

        // IPAddress.TryParse takes "10" as 0.0.0.10; a subnet field wants the dotted quad.
        if (parsed.AddressFamily == AddressFamily.InterNetwork && text.Count(c => c == '.') != 3)
        {
            return false;
        }

        address = parsed;
        return true;
    }
}
