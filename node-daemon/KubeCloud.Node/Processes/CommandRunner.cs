using System.Diagnostics;
using System.Text;

namespace KubeCloud.Node.Processes;

/// <summary>The result of one external command.</summary>
public sealed record CommandResult(string Command, int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;
}

/// <summary>A command that exited non-zero (or could not be started); carries its stderr.</summary>
public sealed class CommandFailedException : Exception
{
    public CommandFailedException(CommandResult result)
        : base($"'{result.Command}' failed with exit code {result.ExitCode}: {FirstLines(result.StandardError, result.StandardOutput)}")
    {
        Result = result;
    }

    public CommandFailedException(string message, Exception inner) : base(message, inner)
    {
        Result = new CommandResult("", -1, "", message);
    }

    public CommandFailedException() : this("command failed", new InvalidOperationException()) { }

    public CommandFailedException(string message) : this(message, new InvalidOperationException(message)) { }

    public CommandResult Result { get; }

    private static string FirstLines(string stderr, string stdout)
    {
        var text = string.IsNullOrWhiteSpace(stderr) ? stdout : stderr;
        text = text.Trim();
        return text.Length > 600 ? text[..600] + "..." : text;
    }
}

/// <summary>Runs external tools (ip, bridge, tgtadm, qemu-img, ...). Small so tests can record calls.</summary>
public interface ICommandRunner
{
    /// <summary>Runs <paramref name="file"/> with arguments; never throws on a non-zero exit.</summary>
    Task<CommandResult> RunAsync(string file, IReadOnlyList<string> arguments, CancellationToken cancellationToken = default);
}

public static class CommandRunnerExtensions
{
    /// <summary>Runs a command and throws <see cref="CommandFailedException"/> when it exits non-zero.</summary>
    public static async Task<CommandResult> RunCheckedAsync(this ICommandRunner runner, string file, IReadOnlyList<string> arguments, CancellationToken cancellationToken = default)
    {
        var result = await runner.RunAsync(file, arguments, cancellationToken);
        return result.Succeeded ? result : throw new CommandFailedException(result);
    }

    public static Task<CommandResult> RunCheckedAsync(this ICommandRunner runner, string file, params string[] arguments)
        => runner.RunCheckedAsync(file, (IReadOnlyList<string>)arguments);

    public static Task<CommandResult> RunAsync(this ICommandRunner runner, string file, params string[] arguments)
        => runner.RunAsync(file, (IReadOnlyList<string>)arguments);
}

/// <summary>Runs commands as child processes.</summary>
public sealed class ProcessCommandRunner : ICommandRunner
{
    public static ProcessCommandRunner Instance { get; } = new();

    public async Task<CommandResult> RunAsync(string file, IReadOnlyList<string> arguments, CancellationToken cancellationToken = default)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }

        var commandLine = file + " " + string.Join(' ', arguments);
        using var process = new Process { StartInfo = psi };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new CommandFailedException($"'{commandLine}' could not be started: {e.Message}", e);
        }

        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new CommandResult(commandLine, process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>Runs every command inside a network namespace (<c>ip netns exec NS ...</c>).</summary>
public sealed class NamespacedCommandRunner(ICommandRunner inner, string networkNamespace) : ICommandRunner
{
    public string NetworkNamespace { get; } = networkNamespace;

    public Task<CommandResult> RunAsync(string file, IReadOnlyList<string> arguments, CancellationToken cancellationToken = default)
        => inner.RunAsync("ip", ["netns", "exec", NetworkNamespace, file, .. arguments], cancellationToken);
}
