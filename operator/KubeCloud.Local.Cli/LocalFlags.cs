using System.Globalization;
using System.Text.RegularExpressions;

namespace KubeCloud.Local.Cli;

/// <summary>The flags of <c>kubecloud-local</c>, given as <c>--flag value</c> or <c>--flag=value</c>.</summary>
internal sealed partial record LocalFlags
{
    public const string Usage = """
        usage: kubecloud-local [flags]        (as root)
          --data-dir DIR         the cloud's state: API objects, certificates, node state (default /var/lib/kubecloud-local);
                                 a restart with the same directory keeps the cloud
          --port N               the local API server's port on 127.0.0.1 (default 6443)
          --node-name NAME       this host's node and Hypervisor name (default: the host name, else "local")
          --use-example-image    apply examples/02-image-debian.yaml as it is (the Debian cloud image from cloud.debian.org;
                                 needs internet and a real checksum) instead of the demo guest built and served here
          --skip-host-setup      do not run node-daemon/host-setup.sh (packages and libvirtd/tgtd already there)
          -h, --help             this text
        """;

    public string DataDirectory { get; init; } = "/var/lib/kubecloud-local";

    public int Port { get; init; } = 6443;

    public string NodeName { get; init; } = DefaultNodeName(Environment.MachineName);

    public bool UseExampleImage { get; init; }

    public bool SkipHostSetup { get; init; }

    public bool Help { get; init; }

    /// <summary>Where the admin kubeconfig is written (and printed).</summary>
    public string KubeconfigPath => Path.Combine(DataDirectory, "kubeconfig");

    public string ApiServerDirectory => Path.Combine(DataDirectory, "apiserver");

    public string NodeStateDirectory => Path.Combine(DataDirectory, "node");

    public string WebhookCertificateDirectory => Path.Combine(DataDirectory, "webhook");

    public static LocalFlags Parse(IReadOnlyList<string> args)
    {
        var flags = new LocalFlags();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var flag = equals > 0 ? arg[..equals] : arg;
            var inline = equals > 0 ? arg[(equals + 1)..] : null;
            string Value() => inline ?? (i + 1 < args.Count ? args[++i] : throw new LocalCommandLineException($"flag needs an argument: {flag}"));
            flags = flag switch
            {
                "--data-dir" => flags with { DataDirectory = DataDir(flag, Value()) },
                "--port" => flags with { Port = PortNumber(flag, Value()) },
                "--node-name" => flags with { NodeName = Label(flag, Value()) },
                "--use-example-image" when inline is null => flags with { UseExampleImage = true },
                "--skip-host-setup" when inline is null => flags with { SkipHostSetup = true },
                "-h" or "--help" => flags with { Help = true },
                _ => throw new LocalCommandLineException($"flag provided but not defined: {arg} (try --help)"),
            };
        }

        return flags;
    }

    /// <summary>The host name when it is a DNS-1123 label (lower-cased), else <c>local</c>.</summary>
    public static string DefaultNodeName(string machineName)
    {
        var name = machineName.ToLowerInvariant();
        return DnsLabel().IsMatch(name) ? name : "local";
    }

    private static string DataDir(string flag, string value) =>
        value.Length > 0 ? Path.GetFullPath(value) : throw new LocalCommandLineException($"invalid value \"\" for {flag}: must not be empty");

    private static int PortNumber(string flag, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535
            ? port
            : throw new LocalCommandLineException($"invalid value \"{value}\" for {flag}: not a port number (1-65535)");

    private static string Label(string flag, string value) =>
        DnsLabel().IsMatch(value)
            ? value
            : throw new LocalCommandLineException($"invalid value \"{value}\" for {flag}: a node name is a DNS-1123 label (lower-case letters, digits and '-', at most 63, starting and ending with a letter or digit)");

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex DnsLabel();
}
