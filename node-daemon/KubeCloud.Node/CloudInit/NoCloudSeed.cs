using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using KubeCloud.Node.Processes;

namespace KubeCloud.Node.CloudInit;

/// <summary>What goes into a server's cloud-init NoCloud seed.</summary>
public sealed record NoCloudSeed
{
    public required string InstanceId { get; init; }

    public required string Hostname { get; init; }

    public IReadOnlyList<string> PublicKeys { get; init; } = [];

    /// <summary>The server's user data, verbatim (#cloud-config, a shell script, ...). Null writes an empty #cloud-config.</summary>
    public string? UserData { get; init; }

    public IReadOnlyList<SeedInterface> Interfaces { get; init; } = [];
}

/// <summary>One NIC: matched by MAC, static addresses (CIDR notation), gateway, routes and DNS.</summary>
public sealed record SeedInterface(string MacAddress, IReadOnlyList<string> Addresses)
{
    public string? Gateway { get; init; }

    public IReadOnlyList<SeedRoute> Routes { get; init; } = [];

    public IReadOnlyList<string> Nameservers { get; init; } = [];

    public int? Mtu { get; init; }
}

public sealed record SeedRoute(string Destination, string Via);

/// <summary>Writes meta-data, user-data and network-config (v2), and packs them into an ISO labelled cidata.</summary>
public sealed class NoCloudSeedBuilder(ICommandRunner run)
{
    public static string MetaData(NoCloudSeed seed)
    {
        ArgumentNullException.ThrowIfNull(seed);
        var sb = new StringBuilder();
        sb.Append("instance-id: ").Append(Quote(seed.InstanceId)).Append('\n');
        sb.Append("local-hostname: ").Append(Quote(seed.Hostname)).Append('\n');
        if (seed.PublicKeys.Count > 0)
        {
            sb.Append("public-keys:\n");
            foreach (var key in seed.PublicKeys)
            {
                sb.Append("  - ").Append(Quote(key.Trim())).Append('\n');
            }
        }

        return sb.ToString();
    }

    public static string UserData(NoCloudSeed seed)
    {
        ArgumentNullException.ThrowIfNull(seed);
        return seed.UserData ?? "#cloud-config\n{}\n";
    }

    /// <summary>Netplan-style network config version 2; interfaces are named eth0.. and matched by MAC.</summary>
    public static string NetworkConfig(NoCloudSeed seed)
    {
        ArgumentNullException.ThrowIfNull(seed);
        var sb = new StringBuilder("network:\n  version: 2\n  ethernets:\n");
        if (seed.Interfaces.Count == 0)
        {
            return "network:\n  version: 2\n  ethernets: {}\n";
        }

        for (var i = 0; i < seed.Interfaces.Count; i++)
        {
            var nic = seed.Interfaces[i];
            var name = "eth" + i.ToString(CultureInfo.InvariantCulture);
            sb.Append("    ").Append(name).Append(":\n");
            sb.Append("      match:\n        macaddress: ").Append(Quote(nic.MacAddress.ToLowerInvariant())).Append('\n');
            sb.Append("      set-name: ").Append(name).Append('\n');
            if (nic.Mtu is { } mtu)
            {
                sb.Append("      mtu: ").Append(mtu.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }

            if (nic.Addresses.Count == 0)
            {
                sb.Append("      dhcp4: true\n");
                continue;
            }

            sb.Append("      dhcp4: false\n      addresses:\n");
            foreach (var address in nic.Addresses)
            {
                ValidateCidr(address);
                sb.Append("        - ").Append(Quote(address)).Append('\n');
            }

            var routes = new List<SeedRoute>();
            if (nic.Gateway is not null)
            {
                _ = IPAddress.Parse(nic.Gateway);
                routes.Add(new SeedRoute("0.0.0.0/0", nic.Gateway));
            }

            routes.AddRange(nic.Routes);
            if (routes.Count > 0)
            {
                sb.Append("      routes:\n");
                foreach (var route in routes)
                {
                    sb.Append("        - to: ").Append(Quote(route.Destination)).Append('\n');
                    sb.Append("          via: ").Append(Quote(route.Via)).Append('\n');
                }
            }

            if (nic.Nameservers.Count > 0)
            {
                sb.Append("      nameservers:\n        addresses: [").Append(string.Join(", ", nic.Nameservers.Select(Quote))).Append("]\n");
            }
        }

        return sb.ToString();
    }

    /// <summary>Writes the seed ISO to <paramref name="isoPath"/> (replacing it atomically).</summary>
    public async Task BuildAsync(NoCloudSeed seed, string isoPath, CancellationToken cancellationToken = default)
    {
        var dir = Path.Combine(Path.GetTempPath(), "kc-seed-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var temp = isoPath + ".tmp";
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir, "meta-data"), MetaData(seed), cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(dir, "user-data"), UserData(seed), cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(dir, "network-config"), NetworkConfig(seed), cancellationToken);
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(isoPath))!);
            await run.RunCheckedAsync("genisoimage",
                ["-quiet", "-output", temp, "-volid", "cidata", "-joliet", "-rock",
                 Path.Combine(dir, "meta-data"), Path.Combine(dir, "user-data"), Path.Combine(dir, "network-config")],
                cancellationToken);
            File.Move(temp, isoPath, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
            Directory.Delete(dir, true);
        }
    }

    /// <summary>A YAML double-quoted scalar (JSON string syntax is valid YAML).</summary>
    /// <summary>A JSON string literal (valid YAML), written as JsonSerializer writes a string, without the serializer's reflection.</summary>
    private static string Quote(string value)
    {
        var buffer = new ArrayBufferWriter<byte>(value.Length + 2);
        using (var writer = new Utf8JsonWriter(buffer, QuoteOptions))
        {
            writer.WriteStringValue(value);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static readonly JsonWriterOptions QuoteOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static void ValidateCidr(string cidr)
    {
        if (!IsHostCidr(cidr))
        {
            throw new ArgumentException($"'{cidr}' is not an address in CIDR notation (e.g. 10.0.0.5/24)");
        }
    }

    private static bool IsHostCidr(string cidr)
    {
        var parts = cidr.Split('/');
        return parts.Length == 2 && IPAddress.TryParse(parts[0], out _) && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var prefix) && prefix is >= 0 and <= 128;
    }
}
