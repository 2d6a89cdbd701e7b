using System.Net;
using System.Net.Sockets;
using KubeCloud.ApiServer.Tests.Support;

namespace KubeCloud.ApiServer.Tests;

/// <summary>kubecloud-apiserver (the built dll, run with dotnet exec) refuses a bad start with one line and exit code 1.</summary>
public sealed class CliTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("kubecloud-cli-tests-").FullName;

    private Task<CommandResult> RunAsync(string arguments) =>
        new ClientProcess(Path.Combine(_home, "unused.kubeconfig"), _home)
            .RunAsync("dotnet", $"exec {CliServer.Dll} --kubeconfig {Path.Combine(_home, "kubeconfig")} {arguments}", timeout: TimeSpan.FromSeconds(120));

    private static void FailsWithOneLine(CommandResult result, string expected)
    {
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("kubecloud-apiserver: " + expected, result.Stderr.TrimEnd('\n'));
        Assert.DoesNotContain("   at ", result.Stderr + result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_taken_port_is_one_line_and_exit_code_1()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        FailsWithOneLine(await RunAsync($"--port {port}"), $"port {port} on 127.0.0.1 is already in use");
    }

    [Fact]
    public async Task A_missing_token_file_is_one_line()
    {
        var path = Path.Combine(_home, "no-such-tokens.csv");
        var result = await RunAsync($"--port 0 --token-file {path}");
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"kubecloud-apiserver: cannot read token file {path}: ", result.Stderr, StringComparison.Ordinal);
        Assert.Single(result.Stderr.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public async Task A_malformed_token_file_is_one_line_naming_the_file()
    {
        var path = Path.Combine(_home, "tokens.csv");
        await File.WriteAllTextAsync(path, "just-a-token\n");
        var result = await RunAsync($"--port 0 --token-file {path}");
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"kubecloud-apiserver: token file {path}: ", result.Stderr, StringComparison.Ordinal);
        Assert.Single(result.Stderr.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public async Task A_missing_crds_path_is_one_line()
    {
        var path = Path.Combine(_home, "no-such-crds");
        FailsWithOneLine(await RunAsync($"--port 0 --crds {path}"), $"--crds {path}: no such file or directory");
    }

    [Fact]
    public async Task A_bad_port_value_is_one_line()
    {
        FailsWithOneLine(await RunAsync("--port http"), "--port http: not a port number (0-65535)");
    }

    [Fact]
    public async Task A_bad_watch_history_value_is_one_line()
    {
        FailsWithOneLine(await RunAsync("--port 0 --watch-history 0"), "--watch-history 0: not a number of changes (1 or more)");
    }

    [Fact]
    public async Task Without_a_data_directory_the_default_kubeconfig_is_named_after_the_port_and_printed()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var expected = Path.Combine(Path.GetTempPath(), $"kubecloud-apiserver-{port}.kubeconfig");
        await using var server = await CliServer.StartAsync($"--port {port}");
        Assert.Equal(expected, server.KubeconfigPath);
        Assert.Contains($"export KUBECONFIG={expected}", server.Output, StringComparison.Ordinal);
        using var http = server.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/api/v1/namespaces/default", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task A_data_directory_in_use_by_another_server_is_one_line()
    {
        var data = Path.Combine(_home, "data");
        await using var first = await CliServer.StartAsync($"--port 0 --data-dir {data}");
        var result = await RunAsync($"--port 0 --data-dir {data}");
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"kubecloud-apiserver: data directory {data}: {Path.Combine(data, "store.db")} is in use by another kubecloud-apiserver", result.Stderr, StringComparison.Ordinal);
        Assert.Single(result.Stderr.TrimEnd('\n').Split('\n'));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_home, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
