using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace KubeCloud.Local.Cli;

/// <summary>
/// What the host needs before the cloud starts, each failure one line: root, the API server's port free, and the node's
/// Debian packages and daemons (<c>node-daemon/host-setup.sh</c>, the script the tests run too: installs what is missing
/// with apt, starts virtlogd, libvirtd and tgtd without systemd). The script's output is shown as it runs.
/// </summary>
internal static class HostSetup
{
    public static void RequireRoot(bool isRoot)
    {
        if (!isRoot)
        {
            throw new LocalStartupException("must run as root (it installs Debian packages, starts libvirtd and tgtd, and makes bridges and VMs): run it with sudo or as root");
        }
    }

    /// <summary>Fails when something listens on 127.0.0.1:<paramref name="port"/> already (checked before anything is installed or started).</summary>
    public static void RequirePortFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new LocalStartupException($"port {port} on 127.0.0.1 is already in use (another kubecloud-local or API server?); stop it or pass --port", e);
        }
    }

    public static async Task RunAsync(string script, TextWriter progress, Action<string> step, CancellationToken cancellationToken)
    {
        step("checking the node's Debian packages and daemons (node-daemon/host-setup.sh)");
        var start = new ProcessStartInfo("bash", [script, "--progress"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new LocalStartupException("cannot start bash to run node-daemon/host-setup.sh");
        string? last = null;
        var gate = new object();
        void Show(string? line)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                return;
            }

            lock (gate)
            {
                last = line.Trim();
                progress.WriteLine("  " + line.TrimEnd());
            }
        }

        var output = Task.Run(async () => { while (await process.StandardOutput.ReadLineAsync(cancellationToken) is { } line) { Show(line); } }, cancellationToken);
        var error = Task.Run(async () => { while (await process.StandardError.ReadLineAsync(cancellationToken) is { } line) { Show(line); } }, cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
            await Task.WhenAll(output, error);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        if (process.ExitCode != 0)
        {
            throw new LocalStartupException($"the host setup failed (node-daemon/host-setup.sh exited {process.ExitCode}): {last ?? "no output"}");
        }
    }
}
