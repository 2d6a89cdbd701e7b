namespace KubeCloud.Operator.Cli;

/// <summary>A flag the binary cannot take: one line on stderr and exit code 2, as Go's flag package does.</summary>
internal sealed class CommandLineException(string message) : Exception(message);

/// <summary>A start the binary cannot make (no kubeconfig, API server unreachable, port taken): one line on stderr and exit code 1.</summary>
internal sealed class StartupException(string message, Exception? inner = null) : Exception(message, inner);
