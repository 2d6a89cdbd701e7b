using System.Diagnostics;
using System.Text;

namespace KubeCloud.Node.IntegrationTests;

/// <summary>
/// The kubecloud-node binary as a child process: the built dll, run with dotnet exec, or an executable (the NativeAOT
/// build, <see cref="AotExecutable"/>).
/// </summary>
public sealed class NodeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private NodeProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(_stdout, e.Data);
        _process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static string Dll => Path.Combine(AppContext.BaseDirectory, "kubecloud-node.dll");

    /// <summary>Where tests/setup/node-aot.sh publishes the NativeAOT build (tests/run.sh runs it after the build).</summary>
    public static string AotExecutable => Path.Combine(KubeCloud.Testing.RepositoryRoot.Path, "artifacts", "node-aot", "kubecloud-node");

    public string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    public static NodeProcess Start(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, string? executable = null)
    {
        var start = new ProcessStartInfo(executable ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (executable is null)
        {
            start.ArgumentList.Add("exec");
            start.ArgumentList.Add(Dll);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Remove("NODE_NAME");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        return new NodeProcess(Process.Start(start)!);
    }

    /// <summary>Runs to the end (a failed start), killing it after <paramref name="timeout"/>.</summary>
    public static async Task<NodeProcess> RunAsync(IEnumerable<string> arguments, TimeSpan timeout, string? executable = null)
    {
        var process = Start(arguments, executable: executable);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process._process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process._process.Kill(entireProcessTree: true);
            Assert.Fail($"kubecloud-node did not exit within {timeout}: {process.Stderr}");
        }

        process._process.WaitForExit(); // drains the output
        return process;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private static void Append(StringBuilder buffer, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (buffer)
        {
            buffer.AppendLine(line);
        }
    }
}
