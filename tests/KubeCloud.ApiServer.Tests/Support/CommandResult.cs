namespace KubeCloud.ApiServer.Tests.Support;

public sealed record CommandResult(int ExitCode, string Stdout, string Stderr)
{
    public CommandResult EnsureSuccess()
    {
        Assert.True(ExitCode == 0, $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
        return this;
    }

    public override string ToString() => $"exit {ExitCode}\n{Stdout}\n{Stderr}";
}
