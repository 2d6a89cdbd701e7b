using System.Globalization;

namespace KubeCloud.Operator.Scale.Bench;

/// <summary>The bench's command line: the run's size (<see cref="ScaleOptions"/>) and how to run the binaries (<see cref="BenchSwitches"/>).</summary>
public static class BenchArguments
{
    public const string Usage =
        "usage: dotnet run -c Release --project tests/KubeCloud.Operator.Scale.Bench -- [--servers N (50)] [--hypervisors N (5)] [--cached N (0: skip)]\n" +
        "         [--rate N[,N...]] (paced waves of --servers each at N servers/s after the burst: the pod-startup SLO as clusterloader2 measures it)\n" +
        "         [--writers N (16)] [--wave-timeout SECONDS (300)] [--operator-env NAME=VALUE]... [--gc-server]\n" +
        "         [--operator-arg ARG]... (e.g. --operator-arg --server-workers=8)\n" +
        "         [--operator-dll PATH] [--apiserver-dll PATH] [--node-daemons simulator|real] [--node-rss]\n" +
        "         with --node-rss: [--node-dll NAME=PATH]... (another build, e.g. main's, measured in the same run) [--node-env NAME=VALUE[,NAME=VALUE]]...\n" +
        "         (this build with that environment, each a row of its own) [--node-driver fake|libvirt] (default both) [--node-rounds N (1)]\n" +
        "         [--gc-settings] (with --cached: the cached operator restarted once per GC setting, each measured alone)\n" +
        "         [--restart-dll LABEL=PATH[,NAME=VALUE...]]... [--restart-rounds N (2)] (with --cached: the cached servers' operator restarted,\n" +
        "           this build and each other build (with its own environment, e.g. DOTNET_GCgen0size=0x200000) in turn, N rounds)\n" +
        "         [--gcdump DIR] (with --restart-dll: a dotnet-gcdump of each build's first restart, settled, written to DIR)\n" +
        "issue 11's figures: --servers 2000 --hypervisors 100 --cached 10000; issue 12's: --node-daemons real --servers 2000 --hypervisors 100; --node-rss: kubecloud-node's own RSS";

    public static (ScaleOptions Options, BenchSwitches Switches) Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new ScaleOptions();
        var switches = new BenchSwitches();
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
        var operatorArgs = new List<string>();
        var restartBuilds = new List<RestartBuild>();
        var nodeBuilds = new List<NodeBuild>();
        var nodeVariants = new List<NodeBuild>();
        for (var i = 0; i < args.Count; i++)
        {
            var flag = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{flag} needs a value");
            int Count(int min) => int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min
                ? n
                : throw new ArgumentException($"{flag} {args[i]}: not a whole number of at least {min}");
            switch (flag)
            {
                case "--servers":
                    options = options with { Servers = Count(1) };
                    break;
                case "--hypervisors":
                    options = options with { Hypervisors = Count(1) };
                    break;
                case "--cached":
                    options = options with { Cached = Count(0) };
                    break;
                case "--rate":
                    options = options with { Rates = Rates(flag, Value()) };
                    break;
                case "--writers":
                    options = options with { Writers = Count(1) };
                    break;
                case "--wave-timeout":
                    options = options with { WaveTimeout = TimeSpan.FromSeconds(Count(1)) };
                    break;
                case "--operator-env":
                    var pair = Value();
                    var equals = pair.IndexOf('=', StringComparison.Ordinal);
                    if (equals < 1)
                    {
                        throw new ArgumentException($"--operator-env {pair}: expected NAME=VALUE");
                    }

                    environment[pair[..equals]] = pair[(equals + 1)..];
                    break;
                case "--operator-arg":
                    operatorArgs.Add(Value());
                    break;
                case "--gc-server":
                    environment["DOTNET_gcServer"] = "1";
                    break;
                case "--operator-dll":
                    switches = switches with { OperatorDll = Value() };
                    break;
                case "--apiserver-dll":
                    switches = switches with { ApiServerDll = Value() };
                    break;
                case "--node-daemons":
                    switches = switches with
                    {
                        RealNodeDaemons = Value() switch
                        {
                            "real" => true,
                            "simulator" => false,
                            var other => throw new ArgumentException($"--node-daemons {other}: simulator or real"),
                        },
                    };
                    break;
                case "--node-rss":
                    switches = switches with { NodeRss = true };
                    break;
                case "--node-dll":
                    var build = Value();
                    var named = build.IndexOf('=', StringComparison.Ordinal);
                    nodeBuilds.Add(named < 1 ? throw new ArgumentException($"--node-dll {build}: expected NAME=PATH") : new NodeBuild(build[..named], build[(named + 1)..], new Dictionary<string, string?>()));
                    break;
                case "--node-env":
                    var variant = Value();
                    nodeVariants.Add(new NodeBuild(variant, null, variant.Split(',').Select(p => p.Split('=', 2)).ToDictionary(
                        p => p.Length == 2 && p[0].Length > 0 ? p[0] : throw new ArgumentException($"--node-env {variant}: expected NAME=VALUE[,NAME=VALUE]"),
                        p => (string?)p[1], StringComparer.Ordinal)));
                    break;
                case "--node-driver":
                    switches = switches with
                    {
                        NodeDrivers = Value() switch
                        {
                            "fake" => ["fake"],
                            "libvirt" => ["libvirt"],
                            var other => throw new ArgumentException($"--node-driver {other}: fake or libvirt"),
                        },
                    };
                    break;
                case "--node-rounds":
                    switches = switches with { NodeRounds = Count(1) };
                    break;
                case "--gc-settings":
                    switches = switches with { GcSettings = true };
                    break;
                case "--restart-dll":
                    var restart = Value();
                    var at = restart.IndexOf('=', StringComparison.Ordinal);
                    if (at < 1)
                    {
                        throw new ArgumentException($"--restart-dll {restart}: expected LABEL=PATH");
                    }

                    var parts = restart[(at + 1)..].Split(',');
                    var restartEnvironment = new Dictionary<string, string?>(StringComparer.Ordinal);
                    foreach (var setting in parts[1..])
                    {
                        var eq = setting.IndexOf('=', StringComparison.Ordinal);
                        restartEnvironment[eq > 0 ? setting[..eq] : throw new ArgumentException($"--restart-dll {restart}: {setting} is not NAME=VALUE")] = setting[(eq + 1)..];
                    }

                    restartBuilds.Add(new RestartBuild(restart[..at], parts[0], restartEnvironment));
                    break;
                case "--gcdump":
                    switches = switches with { GcDumpDirectory = Value() };
                    break;
                case "--restart-rounds":
                    switches = switches with { RestartRounds = Count(1) };
                    break;
                case "-h" or "--help":
                    switches = switches with { Help = true };
                    break;
                default:
                    throw new ArgumentException($"unknown argument {flag}");
            }
        }

        if (options.Cached > 0 && options.Cached < options.Servers * (1 + options.Rates.Count))
        {
            throw new ArgumentException($"--cached {options.Cached}: must be 0 (skip) or at least the servers of the burst and the paced waves ({options.Servers * (1 + options.Rates.Count)})");
        }

        return (options, switches with
        {
            OperatorEnvironment = environment,
            OperatorArguments = operatorArgs,
            RestartBuilds = restartBuilds,
            NodeBuilds = [.. nodeBuilds, new NodeBuild("this build", null, new Dictionary<string, string?>()), .. nodeVariants],
        });
    }

    /// <summary>A comma-separated list of rates, each a number of servers per second above zero, in the order given.</summary>
    private static List<double> Rates(string flag, string value) =>
    [
        .. value.Split(',').Select(r => double.TryParse(r, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var rate) && rate > 0
            ? rate
            : throw new ArgumentException($"{flag} {value}: \"{r}\" is not a number of servers per second above 0")),
    ];
}

/// <summary>How the bench runs the binaries.</summary>
public sealed record BenchSwitches
{
    public bool Help { get; init; }

    /// <summary>kubecloud-operator.dll; null: the build beside this bench.</summary>
    public string? OperatorDll { get; init; }

    /// <summary>kubecloud-apiserver.dll; null: the build beside this bench.</summary>
    public string? ApiServerDll { get; init; }

    /// <summary>Real node daemons (<see cref="NodeFleet"/> in a process of their own) instead of <see cref="NodeSimulator"/>.</summary>
    public bool RealNodeDaemons { get; init; }

    /// <summary>Measure kubecloud-node's own RSS (<see cref="NodeRssRun"/>) instead of a scale run.</summary>
    public bool NodeRss { get; init; }

    /// <summary>
    /// The node daemons <see cref="NodeRssRun"/> measures, in this order, each a row: the builds of <c>--node-dll</c>
    /// (baselines), this build, then this build with each <c>--node-env</c>.
    /// </summary>
    public IReadOnlyList<NodeBuild> NodeBuilds { get; init; } = [new NodeBuild("this build", null, new Dictionary<string, string?>())];

    /// <summary>The hypervisor drivers <see cref="NodeRssRun"/> runs each build on.</summary>
    public IReadOnlyList<string> NodeDrivers { get; init; } = ["fake", "libvirt"];

    /// <summary>How many times <see cref="NodeRssRun"/> measures every row, interleaved; it prints each row's median.</summary>
    public int NodeRounds { get; init; } = 1;

    /// <summary>After the cached figure, a fresh operator per GC setting (<see cref="OperatorGcSettings"/>).</summary>
    public bool GcSettings { get; init; }

    /// <summary>
    /// Other operator builds (a label and a kubecloud-operator.dll) restarted in turn with this build against the cached
    /// servers (<see cref="OperatorRestarts"/>); empty: no such phase.
    /// </summary>
    public IReadOnlyList<RestartBuild> RestartBuilds { get; init; } = [];

    /// <summary>Where <see cref="OperatorRestarts"/> writes a <c>dotnet-gcdump</c> of each build's first restart; null: none.</summary>
    public string? GcDumpDirectory { get; init; }

    /// <summary>How many times each build is restarted in <see cref="OperatorRestarts"/> (in turn: A B A B).</summary>
    public int RestartRounds { get; init; } = 2;

    /// <summary>Environment for the operator process (GC settings to compare).</summary>
    public IReadOnlyDictionary<string, string?> OperatorEnvironment { get; init; } = new Dictionary<string, string?>();

    /// <summary>More flags for the operator process (e.g. <c>--server-workers=8</c>).</summary>
    public IReadOnlyList<string> OperatorArguments { get; init; } = [];
}

/// <summary>An operator build restarted by <see cref="OperatorRestarts"/>: a label, its kubecloud-operator.dll and environment added to the run's.</summary>
public sealed record RestartBuild(string Label, string Dll, IReadOnlyDictionary<string, string?> Environment);

/// <summary>A kubecloud-node to measure: its row's name, its build (null: the one beside this bench) and the environment it runs with.</summary>
public sealed record NodeBuild(string Name, string? Path, IReadOnlyDictionary<string, string?> Environment);
