using System.Diagnostics;

namespace KubeCloud.ApiServer.Tests.Support;

/// <summary>Runs kubectl or helm against one server as a user would: a kubeconfig, a HOME of its own (discovery cache), a timeout.</summary>
public sealed class ClientProcess
{
    private readonly string _kubeconfig;
    private readonly string _home;

    public ClientProcess(string kubeconfig, string home)
    {
        _kubeconfig = kubeconfig;
        _home = home;
    }

    public async Task<CommandResult> RunAsync(string binary, string arguments, string? stdin = null, TimeSpan? timeout = null, string? workingDirectory = null)
    {
        var start = Start(binary, arguments, workingDirectory);
        if (stdin is not null)
        {
            await start.StandardInput.WriteAsync(stdin);
        }

        start.StandardInput.Close();
        var stdout = start.StandardOutput.ReadToEndAsync();
        var stderr = start.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await start.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            start.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(binary)} {arguments} did not finish: {await stdout} {await stderr}");
        }

        return new CommandResult(start.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts a long-running command (kubectl get -w); the caller kills it.</summary>
    public Process Start(string binary, string arguments, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(binary, arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? _home,
        };
        info.Environment["KUBECONFIG"] = _kubeconfig;
        info.Environment["HOME"] = _home;
        info.Environment["KUBECACHEDIR"] = Path.Combine(_home, ".kube", "cache");
        info.Environment["HELM_CACHE_HOME"] = Path.Combine(_home, ".cache", "helm");
        info.Environment["HELM_CONFIG_HOME"] = Path.Combine(_home, ".config", "helm");
        info.Environment["HELM_DATA_HOME"] = Path.Combine(_home, ".local", "share", "helm");
        info.Environment["NO_PROXY"] = "127.0.0.1,localhost";
        info.Environment.Remove("HTTPS_PROXY");
        info.Environment.Remove("https_proxy");
        return Process.Start(info) ?? throw new InvalidOperationException($"could not start {binary}");
    }
}
