using System.Globalization;
using System.Net;
using KubeCloud.ControllerRuntime.Hosting;
using KubeCloud.Operator.Ipam;
using Microsoft.Extensions.Logging;

namespace KubeCloud.Operator.Cli;

/// <summary>
/// The flags of <c>kubecloud-operator</c>, named and defaulted as a controller-runtime manager's (kubebuilder's
/// <c>cmd/main.go</c>). Values are given as <c>--flag value</c> or <c>--flag=value</c>; booleans alone mean true.
/// </summary>
internal sealed record OperatorCommandLine
{
    public const string Usage = """
        usage: kubecloud-operator [flags]
          --kubeconfig FILE                   kubeconfig (default: in-cluster service account, else $KUBECONFIG, else ~/.kube/config)
          --leader-elect[=true|false]         take part in leader election on the Lease kubecloud-operator in --namespace (default false)
          --namespace NAME                    the operator's namespace: its Lease and webhook certificate (default kubecloud-system)
          --metrics-bind-address ADDR         where /metrics listens, host:port or :port; 0 disables (default :8080)
          --health-probe-bind-address ADDR    where /healthz and /readyz listen; 0 disables (default :8081)
          --webhook-port PORT                 the validating webhook's HTTPS port; 0 disables (default 9443)
          --webhook-host ADDR                 the address the webhook listens on (default: every address)
          --cert-dir DIR                      tls.crt and tls.key of the webhook; made at start when absent, with ca.crt
                                              written there (default /tmp/k8s-webhook-server/serving-certs)
          --zap-log-level, --log-level LEVEL  trace, debug, info, warn, error, or a zap verbosity 1-3 (default info)
          --controllers LIST                  which controllers run, as kube-controller-manager's: * all, name on, -name off (default *)
          --vni-range FIRST:LAST              VXLAN VNIs the Network controller hands out (default 1000:1999999)
          --mac-prefix PREFIX                 prefix of the MACs the Port controller allocates (default fa:16:3e)
          --server-workers N                  Server reconciles that may run at once, 1-256 (default 16)
          --image-digest-concurrency N        image sources read at once to compute their sha256, 1-64 (default 2)
          --image-max-size QUANTITY           the largest image source read to compute its sha256, e.g. 20Gi (default 64Gi)
          --node-service-account NS/NAME      the node daemons' service account, narrowed by the webhook to their own node's
                                              Hypervisor and Servers (NodeRestriction); repeatable (default: none)
        """;

    public string? Kubeconfig { get; init; }

    public bool LeaderElect { get; init; }

    public string Namespace { get; init; } = "kubecloud-system";

    public IPEndPoint? MetricsAddress { get; init; } = new(IPAddress.Any, 8080);

    public IPEndPoint? HealthProbeAddress { get; init; } = new(IPAddress.Any, 8081);

    /// <summary>0 disables the webhook.</summary>
    public int WebhookPort { get; init; } = 9443;

    /// <summary>controller-runtime's webhook <c>Host</c>: null listens on every address.</summary>
    public IPAddress? WebhookHost { get; init; }

    public string CertDir { get; init; } = Path.Combine(Path.GetTempPath(), "k8s-webhook-server", "serving-certs");

    public LogLevel LogLevel { get; init; } = LogLevel.Information;

    public bool Help { get; init; }

    /// <summary>The node daemons' service accounts, <c>namespace/name</c>, that NodeRestriction narrows.</summary>
    public IReadOnlyList<string> NodeServiceAccounts { get; init; } = [];

    /// <summary>The settings that are plain values; the rest keep their defaults (<see cref="OperatorSettings"/>).</summary>
    public OperatorSettings Settings { get; init; } = new();

    /// <summary>Reads the flags; throws <see cref="CommandLineException"/> naming the first one it cannot take.</summary>
    public static OperatorCommandLine Parse(IReadOnlyList<string> args)
    {
        var line = new OperatorCommandLine();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var flag = equals > 0 ? arg[..equals] : arg;
            var inline = equals > 0 ? arg[(equals + 1)..] : null;
            string Value() => inline ?? (i + 1 < args.Count ? args[++i] : throw new CommandLineException($"flag needs an argument: {flag}"));
            line = flag switch
            {
                "--kubeconfig" => line with { Kubeconfig = Value() },
                "--leader-elect" => line with { LeaderElect = inline is null || Boolean(flag, inline) },
                "--namespace" => line with { Namespace = Value() },
                "--metrics-bind-address" => line with { MetricsAddress = BindAddress(flag, Value()) },
                "--health-probe-bind-address" => line with { HealthProbeAddress = BindAddress(flag, Value()) },
                "--webhook-port" => line with { WebhookPort = Port(flag, Value()) },
                "--webhook-host" => line with { WebhookHost = Address(flag, Value()) },
                "--cert-dir" => line with { CertDir = Value() },
                "--zap-log-level" or "--log-level" => line with { LogLevel = Level(flag, Value()) },
                "--controllers" => line with { Settings = line.With(s => s.Controllers = [.. Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]) },
                "--vni-range" => line with { Settings = line.With(s => (s.VniRangeFirst, s.VniRangeLast) = VniRange(flag, Value())) },
                "--mac-prefix" => line with { Settings = line.With(s => s.MacPrefix = MacPrefix(flag, Value())) },
                "--server-workers" => line with { Settings = line.With(s => s.Servers.Workers = Workers(flag, Value())) },
                "--image-digest-concurrency" => line with { Settings = line.With(s => s.ImageDigestConcurrency = Concurrency(flag, Value())) },
                "--image-max-size" => line with { Settings = line.With(s => s.ImageMaxSize = Bytes(flag, Value())) },
                "--node-service-account" => line with { NodeServiceAccounts = [.. line.NodeServiceAccounts, ServiceAccount(flag, Value())] },
                "-h" or "--help" => line with { Help = true },
                _ => throw new CommandLineException($"flag provided but not defined: {flag} (try --help)"),
            };
        }

        line.Settings.Namespace = line.Namespace;
        return line;
    }

    private OperatorSettings With(Action<OperatorSettings> change)
    {
        change(Settings);
        return Settings;
    }

    private static string ServiceAccount(string flag, string value)
    {
        try
        {
            _ = Admission.NodeRestriction.UserOf(value);
            return value;
        }
        catch (ArgumentException)
        {
            throw new CommandLineException($"invalid value \"{value}\" for {flag}: a service account is namespace/name");
        }
    }

    /// <summary>The prefix, checked the way the allocator checks it (so a bad one fails here, not in a controller).</summary>
    private static string MacPrefix(string flag, string value)
    {
        try
        {
            return new MacAddressAllocator(value).Prefix;
        }
        catch (ArgumentException e)
        {
            throw new CommandLineException($"invalid value \"{value}\" for {flag}: {e.Message.Split(" (Parameter", 2)[0]}");
        }
    }

    private static (int First, int Last) VniRange(string flag, string value)
    {
        var parts = value.Split(':');
        return parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var first)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var last)
            && first >= 1 && first <= last && last <= 16_777_215
            ? (first, last)
            : throw new CommandLineException($"invalid value \"{value}\" for {flag}: FIRST:LAST with 1 <= FIRST <= LAST <= 16777215 (24-bit VNIs)");
    }

    private static int Workers(string flag, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var workers) && workers is >= 1 and <= 256
            ? workers
            : throw new CommandLineException($"invalid value \"{value}\" for {flag}: a number of workers from 1 to 256");

    private static int Concurrency(string flag, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 64
            ? n
            : throw new CommandLineException($"invalid value \"{value}\" for {flag}: a number from 1 to 64");

    /// <summary>A size as a Kubernetes quantity (<c>20Gi</c>, <c>500M</c>, <c>1073741824</c>), at least one byte.</summary>
    private static long Bytes(string flag, string value)
    {
        try
        {
            var bytes = new k8s.Models.ResourceQuantity(value).ToInt64();
            return bytes >= 1 ? bytes : throw new FormatException("not positive");
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            throw new CommandLineException($"invalid value \"{value}\" for {flag}: a size such as 20Gi, 500M or a number of bytes");
        }
    }

    private static bool Boolean(string flag, string value) => value.ToLowerInvariant() switch
    {
        "true" or "1" or "t" => true,
        "false" or "0" or "f" => false,
        _ => throw new CommandLineException($"invalid boolean value \"{value}\" for {flag}"),
    };

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

    private static IPAddress? Address(string flag, string value) =>
        value.Length == 0 ? null
        : value == "localhost" ? IPAddress.Loopback
        : IPAddress.TryParse(value, out var address) ? address
        : throw new CommandLineException($"invalid value \"{value}\" for {flag}: not an IP address");

    private static int Port(string flag, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535
            ? port
            : throw new CommandLineException($"invalid value \"{value}\" for {flag}: not a port number (0-65535)");

    /// <summary>zap's names, and its verbosities as controller-runtime maps them (1 debug, 2 and more trace).</summary>
    private static LogLevel Level(string flag, string value) => value.ToLowerInvariant() switch
    {
        "trace" => LogLevel.Trace,
        "debug" => LogLevel.Debug,
        "info" or "0" => LogLevel.Information,
        "warn" or "warning" => LogLevel.Warning,
        "error" => LogLevel.Error,
        "dpanic" or "panic" or "fatal" or "critical" => LogLevel.Critical,
        "1" => LogLevel.Debug,
        _ when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var verbosity) && verbosity >= 2 => LogLevel.Trace,
        _ => throw new CommandLineException($"invalid value \"{value}\" for {flag}: use trace, debug, info, warn, error or a verbosity number"),
    };
}
