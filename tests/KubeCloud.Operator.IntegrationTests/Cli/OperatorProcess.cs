using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using KubeCloud.Testing;

namespace KubeCloud.Operator.IntegrationTests.Cli;

/// <summary>kubecloud-operator (the built dll) as a child process: its output kept, stopped with SIGTERM as a kubelet stops it.</summary>
public sealed class OperatorProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private OperatorProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, line) => Append(_stdout, line.Data);
        _process.ErrorDataReceived += (_, line) => Append(_stderr, line.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The binary built next to this test assembly's configuration (bin/&lt;Configuration&gt;/&lt;tfm&gt;).</summary>
    public static string Dll
    {
        get
        {
            var tfm = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var path = Path.Combine(RepositoryRoot.Path, "operator", "KubeCloud.Operator.Cli", "bin", tfm.Parent!.Name, tfm.Name, "kubecloud-operator.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing: build tests/KubeCloud.Operator.IntegrationTests (it builds the binary)", path);
        }
    }

    public int Id => _process.Id;

    public string Stdout => Read(_stdout);

    public string Stderr => Read(_stderr);

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static OperatorProcess Start(params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(Dll);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment.Remove("KUBECONFIG");
        info.Environment["HOME"] = Directory.CreateTempSubdirectory("kubecloud-operator-home-").FullName;
        return new OperatorProcess(Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet"));
    }

    /// <summary>Runs to its exit (a refused start); fails after a minute.</summary>
    public static async Task<OperatorProcess> RunAsync(params string[] arguments)
    {
        var process = Start(arguments);
        await process.WaitForExitAsync();
        return process;
    }

    public async Task WaitForExitAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await _process.WaitForExitAsync(timeout.Token);
        _process.WaitForExit(); // drains the redirected output
    }

    /// <summary>Sends SIGTERM, as a kubelet does to stop a pod.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>A loopback port free at the time of asking.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static string Read(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
