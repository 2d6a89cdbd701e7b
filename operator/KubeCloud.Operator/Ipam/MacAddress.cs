using System.Globalization;

namespace KubeCloud.Operator.Ipam;

/// <summary>MAC addresses as 48-bit numbers, parsed from and printed as <c>fa:16:3e:01:02:03</c>.</summary>
public static class MacAddress
{
    /// <summary>Parses one to six colon-separated hex octets; <paramref name="octets"/> is how many there were.</summary>
    public static bool TryParseOctets(string? text, out ulong value, out int octets)
    {
        value = 0;
        octets = 0;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        foreach (var part in text.Split(':'))
        {
            if (part.Length != 2 || !byte.TryParse(part, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var octet) || ++octets > 6)
            {
                return false;
            }

            value = (value << 8) | octet;
        }

        return true;
    }

    /// <summary>Parses a whole MAC address (six octets).</summary>
    public static bool TryParse(string? text, out ulong value) => TryParseOctets(text, out value, out var octets) && octets == 6;

    /// <summary>Lower-case, colon-separated.</summary>
    public static string Format(ulong value) => string.Create(17, value, static (span, v) =>
    {
        const string hex = "0123456789abcdef";
        for (var i = 0; i < 6; i++)
        {
            var octet = (int)(v >> ((5 - i) * 8)) & 0xff;
            span[i * 3] = hex[octet >> 4];
            span[(i * 3) + 1] = hex[octet & 0xf];
            if (i < 5)
            {
                span[(i * 3) + 2] = ':';
            }
        }
    });

    /// <summary>The group bit (least significant bit of the first octet) is clear.</summary>
    public static bool IsUnicast(ulong value) => ((value >> 40) & 1) == 0;
}
