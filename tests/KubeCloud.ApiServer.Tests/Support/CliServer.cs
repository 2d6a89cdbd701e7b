using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace KubeCloud.ApiServer.Tests.Support;

/// <summary>
/// kubecloud-apiserver (the built CLI dll) as a child process, as a user runs it: started with arguments,
/// ready once it printed its kubeconfig path, killed with SIGKILL (<see cref="KillAsync"/>) to test crashes.
/// </summary>
public sealed partial class CliServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output;

    private CliServer(Process process, StringBuilder output, Uri endpoint, string kubeconfigPath)
    {
        _process = process;
        _output = output;
        Endpoint = endpoint;
        KubeconfigPath = kubeconfigPath;
        var kubeconfig = File.ReadAllText(kubeconfigPath);
        Token = TokenLine().Match(kubeconfig).Groups[1].Value;
        CaPem = Encoding.UTF8.GetString(Convert.FromBase64String(CaLine().Match(kubeconfig).Groups[1].Value));
    }

    /// <summary>The CLI built next to this test assembly's configuration (bin/&lt;Configuration&gt;/&lt;tfm&gt;).</summary>
    public static string Dll
    {
        get
        {
            var tfm = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var path = Path.Combine(KubeClients.RepositoryRoot, "operator", "KubeCloud.ApiServer.Cli", "bin", tfm.Parent!.Name, tfm.Name, "kubecloud-apiserver.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing: build tests/KubeCloud.ApiServer.Tests (it builds the CLI)", path);
        }
    }

    public Uri Endpoint { get; }

    /// <summary>The admin kubeconfig the server printed.</summary>
    public string KubeconfigPath { get; }

    /// <summary>The admin bearer token of that kubeconfig.</summary>
    public string Token { get; }

    public string CaPem { get; }

    /// <summary>What the server printed so far (stdout and stderr).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts the server and returns once it serves (it prints the kubeconfig path last); fails with its output if it exits first.</summary>
    public static async Task<CliServer> StartAsync(string arguments, TimeSpan? timeout = null)
    {
        var process = Process.Start(new ProcessStartInfo("dotnet", $"exec {Dll} {arguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("could not start dotnet");
        var output = new StringBuilder();
        var ready = new TaskCompletionSource<(Uri, string)>(TaskCreationOptions.RunContinuationsAsynchronously);
        Uri? endpoint = null;
        process.OutputDataReceived += (_, line) =>
        {
            lock (output)
            {
                output.AppendLine(line.Data);
            }

            if (line.Data?.StartsWith("kubecloud-apiserver serving on ", StringComparison.Ordinal) == true)
            {
                endpoint = new Uri(line.Data["kubecloud-apiserver serving on ".Length..]);
            }
            else if (line.Data?.StartsWith("kubeconfig: ", StringComparison.Ordinal) == true && endpoint is not null)
            {
                ready.TrySetResult((endpoint, line.Data["kubeconfig: ".Length..]));
            }
        };
        process.ErrorDataReceived += (_, line) =>
        {
            lock (output)
            {
                output.AppendLine(line.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync();
        var first = await Task.WhenAny(ready.Task, exited, Task.Delay(timeout ?? TimeSpan.FromSeconds(120)));
        if (first != ready.Task)
        {
            var why = first == exited ? $"exited with {process.ExitCode}" : "did not start in time";
            if (!process.HasExited)
            {
                process.Kill();
            }

            await exited;
            string text;
            lock (output)
            {
                text = output.ToString();
            }

            process.Dispose();
            throw new InvalidOperationException($"kubecloud-apiserver {arguments} {why}: {text}");
        }

        var (uri, kubeconfig) = await ready.Task;
        return new CliServer(process, output, uri, kubeconfig);
    }

    public HttpClient CreateClient() => ServerFixture.CreateClient(Endpoint, CaPem, Token);

    /// <summary>SIGKILL, now: no shutdown code runs, as in a crash.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }
    }

    /// <summary>SIGKILL, and waits until the process is gone.</summary>
    public async Task KillAsync()
    {
        Kill();
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    [GeneratedRegex(@"^\s*token: (\S+)$", RegexOptions.Multiline)]
    private static partial Regex TokenLine();

    [GeneratedRegex(@"certificate-authority-data: (\S+)")]
    private static partial Regex CaLine();
}
