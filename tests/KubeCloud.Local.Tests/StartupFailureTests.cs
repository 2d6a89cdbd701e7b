using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace KubeCloud.Local.Tests;

/// <summary>
/// A start the local mode cannot make is one line on stderr and a non-zero exit, before anything is installed or started:
/// a real non-root user (<c>runuser -u nobody</c>), a port something else holds, flags it cannot take. These run the built
/// binary (the README's command is the one the end-to-end test runs).
/// </summary>
public sealed class StartupFailureTests
{
    private static string Binary => Path.Combine(AppContext.BaseDirectory, "kubecloud-local.dll");

    [Fact]
    public async Task A_user_who_is_not_root_gets_one_line_and_exit_1()
    {
        var (exit, stdout, stderr) = await RunAsync("runuser", ["-u", "nobody", "--", "dotnet", Binary, "--data-dir", "/tmp/kubecloud-local-nobody"]);
        Assert.Equal(1, exit);
        Assert.Equal("kubecloud-local: must run as root (it installs Debian packages, starts libvirtd and tgtd, and makes bridges and VMs): run it with sudo or as root", stderr.Trim());
        Assert.Empty(stdout.Trim());
        Assert.False(Directory.Exists("/tmp/kubecloud-local-nobody"));
    }

    [Fact]
    public async Task A_port_in_use_gets_one_line_and_exit_1_before_the_host_setup()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;
        var data = Path.Combine("/var/tmp", "kubecloud-local-busy-" + Guid.NewGuid().ToString("N")[..8]);
        var (exit, stdout, stderr) = await RunAsync("dotnet", [Binary, "--data-dir", data, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        Assert.Equal(1, exit);
        Assert.Equal($"kubecloud-local: port {port} on 127.0.0.1 is already in use (another kubecloud-local or API server?); stop it or pass --port", stderr.Trim());
        Assert.DoesNotContain("host-setup", stdout, StringComparison.Ordinal);
        Assert.False(Directory.Exists(data));
    }

    public static TheoryData<string, string[], string> BadFlags => new()
    {
        { "unknown flag", ["--bogus"], "kubecloud-local: flag provided but not defined: --bogus (try --help)" },
        { "port not a number", ["--port", "http"], "kubecloud-local: invalid value \"http\" for --port: not a port number (1-65535)" },
        { "port out of range", ["--port=70000"], "kubecloud-local: invalid value \"70000\" for --port: not a port number (1-65535)" },
        { "node name not a DNS label", ["--node-name", "My_Host"], "kubecloud-local: invalid value \"My_Host\" for --node-name: a node name is a DNS-1123 label (lower-case letters, digits and '-', at most 63, starting and ending with a letter or digit)" },
        { "flag without its value", ["--data-dir"], "kubecloud-local: flag needs an argument: --data-dir" },
    };

    [Theory]
    [MemberData(nameof(BadFlags))]
    public async Task A_flag_it_cannot_take_gets_one_line_and_exit_2(string name, string[] flags, string message)
    {
        var (exit, _, stderr) = await RunAsync("dotnet", [Binary, .. flags]);
        Assert.True(exit == 2, $"{name}: exit {exit}");
        Assert.Equal(message, stderr.Trim());
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(string file, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = "/" };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_HOME"] = "/tmp";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }
}
