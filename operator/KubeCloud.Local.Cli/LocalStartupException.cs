namespace KubeCloud.Local.Cli;

/// <summary>A start the local mode cannot make (not root, a port taken, a package that cannot be installed): one line on stderr, exit code 1.</summary>
internal sealed class LocalStartupException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A flag the local mode cannot take: one line on stderr, exit code 2.</summary>
internal sealed class LocalCommandLineException(string message) : Exception(message);
