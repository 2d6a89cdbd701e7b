namespace KubeCloud.Kubectl.Cli;

/// <summary>
/// The command line of <c>kubectl kubecloud VERB SERVER [flags]</c>, with the flags kubectl users expect:
/// <c>-n/--namespace</c>, <c>--context</c>, <c>--kubeconfig</c> (else <c>$KUBECONFIG</c>, else <c>~/.kube/config</c>).
/// </summary>
internal sealed record PluginCommandLine
{
    public const string Usage = """
        usage: kubectl kubecloud VERB SERVER [flags]
          start SERVER                  power on (spec.powerState Running; also resumes a paused or suspended server)
          stop SERVER                   clean shutdown (spec.powerState Stopped)
          pause SERVER                  halt the vCPUs, memory kept (spec.powerState Paused)
          suspend SERVER                save the memory to the node's disk (spec.powerState Suspended)
          reboot SERVER                 reboot (annotation kubecloud.io/reboot-requested-at = now)
          resize SERVER FLAVOR          resize to FLAVOR (spec.flavorRef)
          resize SERVER --confirm       keep the new flavor (annotation kubecloud.io/resize=confirm)
          resize SERVER --revert        go back to the old flavor (spec.flavorRef = status.resize.oldFlavor)
          why SERVER                    why it is Error or Pending: phase, fault, conditions, recent events
          console SERVER [-f] [--tail N]  the serial log, through the API server (needs get on servers/console
                                        in API group subresources.kubecloud.io); -f/--follow keeps printing
                                        what the guest prints; --tail N the last N lines (default 100)
        flags:
          -n, --namespace NS            the server's namespace (default: the context's, else default)
          --context NAME                the kubeconfig context (default: the current one)
          --kubeconfig FILE             the kubeconfig (default: $KUBECONFIG, else ~/.kube/config)
        """;

    public static readonly IReadOnlyList<string> Verbs = ["start", "stop", "pause", "suspend", "reboot", "resize", "why", "console"];

    public string Verb { get; init; } = "";

    public string Server { get; init; } = "";

    public string? Flavor { get; init; }

    public bool Confirm { get; init; }

    public bool Revert { get; init; }

    public string? Namespace { get; init; }

    public string? Context { get; init; }

    public string? Kubeconfig { get; init; }

    public bool Help { get; init; }

    public bool Follow { get; init; }

    /// <summary>console --tail N (null: the server's default).</summary>
    public int? Tail { get; init; }

    /// <summary>Reads the arguments; throws <see cref="UsageException"/> naming what is wrong.</summary>
    public static PluginCommandLine Parse(IReadOnlyList<string> args)
    {
        var line = new PluginCommandLine();
        var positional = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            var equals = arg.StartsWith("--", StringComparison.Ordinal) ? arg.IndexOf('=', StringComparison.Ordinal) : -1;
            var flag = equals > 0 ? arg[..equals] : arg;
            var inline = equals > 0 ? arg[(equals + 1)..] : null;
            string Value() => inline ?? (i + 1 < args.Count ? args[++i] : throw new UsageException($"flag needs an argument: {flag}"));
            line = flag switch
            {
                "-n" or "--namespace" => line with { Namespace = Value() },
                "--context" => line with { Context = Value() },
                "--kubeconfig" => line with { Kubeconfig = Value() },
                "--confirm" => line with { Confirm = true },
                "--revert" => line with { Revert = true },
                "-f" or "--follow" => line with { Follow = true },
                "--tail" => line with { Tail = TailLines(Value()) },
                "-h" or "--help" => line with { Help = true },
                _ when arg.StartsWith('-') => throw new UsageException($"unknown flag: {flag}"),
                _ => Positional(line, positional, arg),
            };
        }

        if (line.Help)
        {
            return line;
        }

        if (positional.Count == 0)
        {
            throw new UsageException("a verb is required: " + string.Join(", ", Verbs));
        }

        var verb = positional[0];
        if (!Verbs.Contains(verb))
        {
            throw new UsageException($"unknown verb \"{verb}\": one of {string.Join(", ", Verbs)}");
        }

        if (positional.Count < 2)
        {
            throw new UsageException($"{verb} needs the server's name: kubectl kubecloud {verb} SERVER");
        }

        var flavor = positional.Count > 2 ? positional[2] : null;
        var extra = verb == "resize" ? 3 : 2;
        if (positional.Count > extra)
        {
            throw new UsageException($"{verb} takes {(verb == "resize" ? "SERVER and a FLAVOR" : "one SERVER")}; unexpected \"{positional[extra]}\"");
        }

        if (verb == "resize" && (flavor is null ? 0 : 1) + (line.Confirm ? 1 : 0) + (line.Revert ? 1 : 0) != 1)
        {
            throw new UsageException("resize needs exactly one of FLAVOR, --confirm or --revert");
        }

        if (verb != "resize" && (line.Confirm || line.Revert))
        {
            throw new UsageException("--confirm and --revert belong to resize");
        }

        if (verb != "console" && (line.Follow || line.Tail is not null))
        {
            throw new UsageException("--follow and --tail belong to console");
        }

        return line with { Verb = verb, Server = positional[1], Flavor = flavor };
    }

    private static int TailLines(string value) =>
        int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var lines) && lines >= 1
            ? lines
            : throw new UsageException($"--tail {value}: must be a whole number of lines, at least 1");

    private static PluginCommandLine Positional(PluginCommandLine line, List<string> positional, string arg)
    {
        positional.Add(arg);
        return line;
    }
}

/// <summary>A command line the plugin cannot take: one line on stderr and exit 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
