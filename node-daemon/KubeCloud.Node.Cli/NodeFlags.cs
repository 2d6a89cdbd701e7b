using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace KubeCloud.Node.Cli;

/// <summary>The hypervisor driver the daemon runs on.</summary>
public enum HypervisorDriverKind
{
    Libvirt,
    Fake,
}

/// <summary>
/// The command line of kubecloud-node, in controller-runtime's flag style (as kubecloud-operator takes them):
/// <c>--flag value</c>, bind addresses as <c>:8080</c>, <c>127.0.0.1:8080</c> or <c>0</c> (disabled).
/// </summary>
public sealed partial record NodeFlags
{
    public const string Usage =
        "usage: kubecloud-node [--kubeconfig FILE] [--node-name NAME] [--state-dir DIR] [--metrics-bind-address ADDR] " +
        "[--health-probe-bind-address ADDR] [--hypervisor-driver libvirt|fake] [--libvirt-uri URI] [--tunnel-ip IP] [--heartbeat-interval SECONDS]";

    /// <summary>The kubeconfig; null means in-cluster (else KUBECONFIG or ~/.kube/config).</summary>
    public string? Kubeconfig { get; init; }

    public required string NodeName { get; init; }

    public string StateDirectory { get; init; } = "/var/lib/kubecloud";

    public IPEndPoint? MetricsBindAddress { get; init; } = new(IPAddress.Any, 8080);

    public IPEndPoint? HealthProbeBindAddress { get; init; } = new(IPAddress.Any, 8081);

    public HypervisorDriverKind Driver { get; init; } = HypervisorDriverKind.Libvirt;

    public string LibvirtUri { get; init; } = "qemu:///system";

    /// <summary>The VXLAN tunnel address; null picks the first IPv4 address of an interface that is up (not loopback).</summary>
    public IPAddress? TunnelIp { get; init; }

    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Parses the command line; null with <paramref name="help"/> true for --help. Throws <see cref="StartupException"/> naming the flag.</summary>
    public static NodeFlags? Parse(IReadOnlyList<string> args, Func<string, string?> environment, out bool help)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(environment);
        help = false;
        var flags = new NodeFlags { NodeName = environment("NODE_NAME") is { Length: > 0 } fromEnv ? fromEnv : Dns.GetHostName().ToLowerInvariant() };
        for (var i = 0; i < args.Count; i++)
        {
            var flag = args[i];
            string? inline = null;
            if (flag.StartsWith("--", StringComparison.Ordinal) && flag.IndexOf('=', StringComparison.Ordinal) is var eq and > 0)
            {
                inline = flag[(eq + 1)..];
                flag = flag[..eq];
            }

            string Value() => inline ?? (i + 1 < args.Count ? args[++i] : throw new StartupException($"{flag} needs a value (try --help)"));
            flags = flag switch
            {
                "--kubeconfig" => flags with { Kubeconfig = Value() },
                "--node-name" => flags with { NodeName = Value() },
                "--state-dir" => flags with { StateDirectory = NonEmpty(flag, Value()) },
                "--metrics-bind-address" => flags with { MetricsBindAddress = BindAddress(flag, Value()) },
                "--health-probe-bind-address" => flags with { HealthProbeBindAddress = BindAddress(flag, Value()) },
                "--hypervisor-driver" => flags with { Driver = DriverKind(flag, Value()) },
                "--libvirt-uri" => flags with { LibvirtUri = NonEmpty(flag, Value()) },
                "--tunnel-ip" => flags with { TunnelIp = Address(flag, Value()) },
                "--heartbeat-interval" => flags with { HeartbeatInterval = Seconds(flag, Value()) },
                "-h" or "--help" => null,
                _ => throw new UnknownFlagException($"unknown flag {flag} (try --help)"),
            };
            if (flags is null)
            {
                help = true;
                return null;
            }
        }

        if (!NodeNamePattern().IsMatch(flags.NodeName) || flags.NodeName.Length > 63)
        {
            throw new StartupException($"--node-name {flags.NodeName}: a node name must be a DNS-1123 label (lower case letters, digits and '-', at most 63, starting and ending alphanumeric): it names the Hypervisor and is the value of the label kubecloud.io/node");
        }

        return flags;
    }

    /// <summary>A controller-runtime bind address: <c>:8080</c>, <c>127.0.0.1:8080</c>, <c>[::1]:8080</c>, <c>localhost:8080</c>; null for <c>0</c>.</summary>
    public static IPEndPoint? BindAddress(string flag, string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address == "0")
        {
            return null;
        }

        var colon = address.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(address.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            throw new StartupException($"{flag} {address}: not a bind address (host:port, :port, or 0 to disable)");
        }

        var host = address[..colon].Trim('[', ']');
        var ip = host.Length == 0 ? IPAddress.Any
            : host == "localhost" ? IPAddress.Loopback
            : IPAddress.TryParse(host, out var parsed) ? parsed
            : throw new StartupException($"{flag} {address}: {host} is not an IP address or localhost");
        return new IPEndPoint(ip, port);
    }

    /// <summary>The tunnel IP to report: the flag's, else the first IPv4 address of an interface that is up and not loopback.</summary>
    public IPAddress? ResolveTunnelIp() => TunnelIp ?? NetworkInterface.GetAllNetworkInterfaces()
        .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
        .SelectMany(n => n.GetIPProperties().UnicastAddresses)
        .Select(a => a.Address)
        .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork);

    private static HypervisorDriverKind DriverKind(string flag, string value) => value switch
    {
        "libvirt" => HypervisorDriverKind.Libvirt,
        "fake" => HypervisorDriverKind.Fake,
        _ => throw new StartupException($"{flag} {value}: unknown driver (libvirt or fake)"),
    };

    private static IPAddress Address(string flag, string value) =>
        IPAddress.TryParse(value, out var address) ? address : throw new StartupException($"{flag} {value}: not an IP address");

    private static TimeSpan Seconds(string flag, string value) =>
        double.TryParse(value.TrimEnd('s'), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 && seconds <= 3600
            ? TimeSpan.FromSeconds(seconds)
            : throw new StartupException($"{flag} {value}: not a number of seconds (more than 0, at most 3600)");

    private static string NonEmpty(string flag, string value) =>
        value.Length > 0 ? value : throw new StartupException($"{flag}: must not be empty");

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex NodeNamePattern();
}

/// <summary>A flag the daemon does not know (exit code 2, as kubecloud-apiserver).</summary>
public sealed class UnknownFlagException : Exception
{
    public UnknownFlagException(string message)
        : base(message)
    {
    }

    public UnknownFlagException()
    {
    }

    public UnknownFlagException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
