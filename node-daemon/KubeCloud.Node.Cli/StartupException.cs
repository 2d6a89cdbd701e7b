namespace KubeCloud.Node.Cli;

/// <summary>
/// A reason the node daemon cannot start that is the operator's to fix (a bad flag value, an API server that does not
/// answer, a libvirtd that does not answer): printed as one line naming the flag or the peer, exit code 1, no stack trace.
/// </summary>
public sealed class StartupException : Exception
{
    public StartupException(string message)
        : base(message)
    {
    }

    public StartupException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public StartupException()
    {
    }
}
