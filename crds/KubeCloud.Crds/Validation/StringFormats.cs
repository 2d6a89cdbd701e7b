using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace KubeCloud.Crds.Validation;

/// <summary>
/// The string formats kube-apiserver checks for CRDs (a subset of go-openapi's strfmt registry).
/// Unknown formats are not checked, as in Kubernetes.
/// </summary>
public static partial class StringFormats
{
    /// <summary>Whether <paramref name="value"/> has <paramref name="format"/>; true for formats that are not checked.</summary>
    public static bool IsValid(string format, string value) => format switch
    {
        "date-time" or "datetime" => IsDateTime(value),
        "date" => DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _),
        "byte" => IsBase64(value),
        "ipv4" => IPAddress.TryParse(value, out var v4) && v4.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && Ipv4Regex().IsMatch(value),
        "ipv6" => IPAddress.TryParse(value, out var v6) && v6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6,
        "cidr" => IPNetwork.TryParse(value, out _) && value.Contains('/', StringComparison.Ordinal),
        "mac" => MacRegex().IsMatch(value),
        "uuid" => UuidRegex().IsMatch(value),
        "hostname" => value.Length <= 255 && HostnameRegex().IsMatch(value),
        "uri" => Uri.TryCreate(value, UriKind.Absolute, out _),
        _ => true,
    };

    /// <summary>RFC 3339 date-time, as strfmt.ParseDateTime accepts it.</summary>
    public static bool IsDateTime(string value) =>
        DateTimeRegex().IsMatch(value)
        && DateTimeOffset.TryParse(value.Replace('t', 'T').Replace('z', 'Z'), CultureInfo.InvariantCulture, DateTimeStyles.None, out _);

    private static bool IsBase64(string value)
    {
        Span<byte> buffer = new byte[((value.Length * 3) / 4) + 3];
        return Convert.TryFromBase64String(value, buffer, out _);
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})\z", RegexOptions.ECMAScript)]
    private static partial Regex DateTimeRegex();

    [GeneratedRegex(@"^(\d{1,3}\.){3}\d{1,3}\z", RegexOptions.ECMAScript)]
    private static partial Regex Ipv4Regex();

    [GeneratedRegex(@"^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}\z", RegexOptions.ECMAScript)]
    private static partial Regex MacRegex();

    [GeneratedRegex(@"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}\z", RegexOptions.ECMAScript)]
    private static partial Regex UuidRegex();

    [GeneratedRegex(@"^[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)*\z", RegexOptions.ECMAScript)]
    private static partial Regex HostnameRegex();
}
