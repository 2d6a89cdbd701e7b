using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using KubeCloud.ControllerRuntime.Hosting;
using KubeCloud.Node.Agent.Volumes;
using KubeCloud.Node.Networking;
using Microsoft.Extensions.Logging;

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
    public const string Usage = """
        usage: kubecloud-node [flags]
          --kubeconfig FILE                   kubeconfig (default: in-cluster service account, else $KUBECONFIG, else ~/.kube/config)
          --node-name NAME                    this node: its Hypervisor's name and the label kubecloud.io/node of its Servers
                                              (default: $NODE_NAME from the downward API, else the host name)
          --state-dir DIR                     instance directories, image cache, managed-save images (default /var/lib/kubecloud)
          --metrics-bind-address ADDR         where /metrics listens, host:port or :port; 0 disables (default :8080)
          --health-probe-bind-address ADDR    where /healthz and /readyz listen; 0 disables (default :8081)
          --console-bind-address ADDR         where the console endpoint (servers/console) listens; 0 disables (default :8082);
                                              advertised to the operator as http://TUNNEL-IP:PORT
          --hypervisor-driver libvirt|fake    libvirt, or nova's fake driver that keeps domains in memory (default libvirt)
          --libvirt-uri URI                   the libvirtd to drive (default qemu:///system)
          --tunnel-ip ADDR                    this node's VXLAN address (default: the first IPv4 address of --tunnel-interface,
                                              else of an interface that is up)
          --tunnel-interface DEV              the underlay device VXLAN tunnels are bound to (default: the route to each peer decides)
          --tunnel-netns NAME                 the network namespace (ip netns) holding --tunnel-ip, when it is not the daemon's:
                                              VXLAN sockets live there, bridges and the guests' taps stay here (needs --tunnel-ip)
          --device-prefix PREFIX              prefix of this node's bridges (PREFIXbr...), VXLAN devices (PREFIXvx...) and DHCP
                                              namespaces; two daemons on one host need two (1-4 of a-z0-9, default kc)
          --heartbeat-interval SECONDS        how often the Hypervisor's heartbeat is written (default 10)
          --storage-backend file:DIR|lvm:VG   run the storage role (cinder-volume): volumes as sparse files under DIR or LVs
                                              in volume group VG, exported by the local tgtd (default: no storage role)
          --storage-portal HOST:PORT          the iSCSI portal put into the Volumes' targets (default: the tunnel IP, port 3260)
          --zap-log-level, --log-level LEVEL  trace, debug, info, warn, error, or a zap verbosity 1-3 (default info)
        """;

    /// <summary>The kubeconfig; null means in-cluster (else KUBECONFIG or ~/.kube/config).</summary>
    public string? Kubeconfig { get; init; }

    public required string NodeName { get; init; }

    public string StateDirectory { get; init; } = "/var/lib/kubecloud";

    public IPEndPoint? MetricsBindAddress { get; init; } = new(IPAddress.Any, 8080);

    public IPEndPoint? HealthProbeBindAddress { get; init; } = new(IPAddress.Any, 8081);

    public IPEndPoint? ConsoleBindAddress { get; init; } = new(IPAddress.Any, 8082);

    public HypervisorDriverKind Driver { get; init; } = HypervisorDriverKind.Libvirt;

    public string LibvirtUri { get; init; } = "qemu:///system";

    /// <summary>The VXLAN tunnel address; null picks the first IPv4 address of an interface that is up (not loopback).</summary>
    public IPAddress? TunnelIp { get; init; }

    /// <summary>The underlay device VXLAN tunnels are bound to; also where the tunnel IP comes from when <see cref="TunnelIp"/> is not given.</summary>
    public string? TunnelInterface { get; init; }

    /// <summary>The network namespace holding the tunnel IP, when it is not the daemon's.</summary>
    public string? TunnelNamespace { get; init; }

    public string DevicePrefix { get; init; } = DeviceNames.DefaultPrefix;

    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The storage role; null runs none.</summary>
    public StorageRoleOptions? Storage { get; init; }

    /// <summary>The iSCSI portal (host:port) of the storage role's targets; null means the tunnel IP, port 3260.</summary>
    public string? StoragePortal { get; init; }

    public LogLevel LogLevel { get; init; } = LogLevel.Information;

    /// <summary>Parses the command line; null with <paramref name="help"/> true for --help. Throws <see cref="CommandLineException"/> naming the flag.</summary>
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

            string Value() => inline ?? (i + 1 < args.Count ? args[++i] : throw new CommandLineException($"flag needs an argument: {flag}"));
            flags = flag switch
            {
                "--kubeconfig" => flags with { Kubeconfig = Value() },
                "--node-name" => flags with { NodeName = Value() },
                "--state-dir" => flags with { StateDirectory = NonEmpty(flag, Value()) },
                "--metrics-bind-address" => flags with { MetricsBindAddress = BindAddress(flag, Value()) },
                "--health-probe-bind-address" => flags with { HealthProbeBindAddress = BindAddress(flag, Value()) },
                "--console-bind-address" => flags with { ConsoleBindAddress = BindAddress(flag, Value()) },
                "--hypervisor-driver" => flags with { Driver = DriverKind(flag, Value()) },
                "--libvirt-uri" => flags with { LibvirtUri = NonEmpty(flag, Value()) },
                "--tunnel-ip" => flags with { TunnelIp = Address(flag, Value()) },
                "--tunnel-interface" => flags with { TunnelInterface = NonEmpty(flag, Value()) },
                "--tunnel-netns" => flags with { TunnelNamespace = NonEmpty(flag, Value()) },
                "--device-prefix" => flags with { DevicePrefix = Prefix(flag, Value()) },
                "--heartbeat-interval" => flags with { HeartbeatInterval = Seconds(flag, Value()) },
                "--storage-backend" => flags with { Storage = Backend(flag, Value()) },
                "--storage-portal" => flags with { StoragePortal = Portal(flag, Value()) },
                "--zap-log-level" or "--log-level" => flags with { LogLevel = Level(flag, Value()) },
                "-h" or "--help" => null,
                _ => throw new CommandLineException($"flag provided but not defined: {flag} (try --help)"),
            };
            if (flags is null)
            {
                help = true;
                return null;
            }
        }

        if (!NodeNamePattern().IsMatch(flags.NodeName) || flags.NodeName.Length > 63)
        {
            throw new CommandLineException($"invalid value \"{flags.NodeName}\" for --node-name (or $NODE_NAME, or the host name): a node name must be a DNS-1123 label (lower case letters, digits and '-', at most 63, starting and ending alphanumeric): it names the Hypervisor and is the value of the label kubecloud.io/node");
        }

        if (flags.TunnelNamespace is { } ns)
        {
            if (flags.TunnelIp is null)
            {
                throw new CommandLineException($"--tunnel-netns {ns} needs --tunnel-ip: the daemon does not look for addresses in another namespace");
            }

            if (flags.TunnelInterface is { } device)
            {
                throw new CommandLineException($"--tunnel-interface {device} cannot be combined with --tunnel-netns {ns}: the device would be looked up in the daemon's namespace; the routes in {ns} pick it");
            }
        }

        if (flags.StoragePortal is not null && flags.Storage is null)
        {
            throw new CommandLineException("--storage-portal needs --storage-backend (only a node with the storage role exports volumes)");
        }

        return flags.Storage is null ? flags : flags with { Storage = flags.Storage with { Portal = flags.StoragePortal } };
    }

    private static StorageRoleOptions Backend(string flag, string value)
    {
        try
        {
            return StorageRoleOptions.Parse(value);
        }
        catch (FormatException e)
        {
            throw new CommandLineException($"invalid value \"{value}\" for {flag}: {e.Message}");
        }
    }

    /// <summary>host:port with an IP address (IPv6 in brackets) and a port 1-65535.</summary>
    private static string Portal(string flag, string value) =>
        IPEndPoint.TryParse(value, out var endpoint) && endpoint.Port > 0 && value.Contains(':', StringComparison.Ordinal) && !value.EndsWith(']')
            ? value
            : throw new CommandLineException($"invalid value \"{value}\" for {flag}: must be IP:PORT, e.g. 10.0.0.11:3260 or [fd00::11]:3260");

    private static IPEndPoint? BindAddress(string flag, string value)
    {
        try
        {
            return OperatorListeners.ParseBindAddress(flag, value);
        }
        catch (FormatException e)
        {
            throw new CommandLineException(e.Message);
        }
    }

    /// <summary>
    /// The tunnel IP to report: the flag's, else the first IPv4 address of <see cref="TunnelInterface"/> (null when it has
    /// none or does not exist), else of an interface that is up and not loopback.
    /// </summary>
    public IPAddress? ResolveTunnelIp() => TunnelIp ?? NetworkInterface.GetAllNetworkInterfaces()
        .Where(n => TunnelInterface is { } device
            ? n.Name == device
            : n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
        .SelectMany(n => n.GetIPProperties().UnicastAddresses)
        .Select(a => a.Address)
        .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork);

    private static HypervisorDriverKind DriverKind(string flag, string value) => value switch
    {
        "libvirt" => HypervisorDriverKind.Libvirt,
        "fake" => HypervisorDriverKind.Fake,
        _ => throw new CommandLineException($"invalid value \"{value}\" for {flag}: libvirt or fake"),
    };

    /// <summary>An IPv4 address in dotted-quad form or an IPv6 address (IPAddress.TryParse would take "10.0.0" for 10.0.0.0).</summary>
    private static IPAddress Address(string flag, string value) =>
        IPAddress.TryParse(value, out var address) && (address.AddressFamily == AddressFamily.InterNetworkV6 || value.Split('.').Length == 4)
            ? address
            : throw new CommandLineException($"invalid value \"{value}\" for {flag}: not an IP address");

    private static TimeSpan Seconds(string flag, string value) =>
        double.TryParse(value.TrimEnd('s'), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 && seconds <= 3600
            ? TimeSpan.FromSeconds(seconds)
            : throw new CommandLineException($"invalid value \"{value}\" for {flag}: not a number of seconds (more than 0, at most 3600)");

    private static string Prefix(string flag, string value) =>
        DeviceNames.PrefixProblem(value) is { } problem ? throw new CommandLineException($"invalid value \"{value}\" for {flag}: {problem}") : value;

    private static string NonEmpty(string flag, string value) =>
        value.Length > 0 ? value : throw new CommandLineException($"invalid value \"\" for {flag}: must not be empty");

    /// <summary>zap's names, and its verbosities as controller-runtime maps them (1 debug, 2 and more trace), as kubecloud-operator takes them.</summary>
    private static LogLevel Level(string flag, string value) => value.ToLowerInvariant() switch
    {
        "trace" => LogLevel.Trace,
        "debug" or "1" => LogLevel.Debug,
        "info" or "0" => LogLevel.Information,
        "warn" or "warning" => LogLevel.Warning,
        "error" => LogLevel.Error,
        "dpanic" or "panic" or "fatal" or "critical" => LogLevel.Critical,
        _ when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var verbosity) && verbosity >= 2 => LogLevel.Trace,
        _ => throw new CommandLineException($"invalid value \"{value}\" for {flag}: use trace, debug, info, warn, error or a verbosity number"),
    };

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex NodeNamePattern();
}

/// <summary>A command line the daemon cannot take (exit code 2, as kubecloud-operator and Go's flag package), in Go's flag wording.</summary>
public sealed class CommandLineException : Exception
{
    public CommandLineException(string message)
        : base(message)
    {
    }

    public CommandLineException()
    {
    }

    public CommandLineException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
