using System.Net;
using System.Net.Sockets;
using KubeCloud.ApiServer.Tests.Support;
using KubeCloud.Node.Networking;
using Xunit.Abstractions;

namespace KubeCloud.Local.Tests;

/// <summary>
/// The README's local-mode command as a new user runs it, on the clone the tests run in: started as a child process, the
/// example server seen Active with the real <c>kubectl get servers</c> and its guest running in libvirt, Ctrl-C (SIGINT to
/// the process group) leaves no domain, bridge, VXLAN device or iSCSI target; a second start brings the same cloud back
/// from the data directory; after a SIGKILL the guest is still running and a third start adopts it (same QEMU process).
/// While the first run is up, the plugin's verbs run as kubectl runs a plugin (<c>kubectl kubecloud ...</c>, a
/// <c>kubectl-kubecloud</c> on PATH): <c>console</c> (through the API server's aggregation to the operator and the node)
/// shows the guest's hostname line, <c>console -f</c> streams what the guest prints, <c>stop</c> shuts the guest
/// down and <c>start</c> boots it again.
/// Needs root, libvirtd and tgtd (node-daemon/host-setup.sh) and kubectl 1.32 (/usr/bin/kubectl).
/// </summary>
public sealed class LocalModeTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Domain = "kc-demo-web-1";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(8);
    private readonly string _data = Path.Combine("/var/tmp", "kubecloud-local-test-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly int _port = FreePort();
    private readonly List<LocalModeProcess> _runs = [];

    private string Kubeconfig => Path.Combine(_data, "kubeconfig");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var run in _runs)
        {
            await run.DisposeAsync();
        }

        // A failed test may leave the guest behind: remove it so the next run and other tests start clean.
        if (await HostState.DomainStateAsync(Domain) is not null)
        {
            await HostState.RunAsync("virsh", "-c", "qemu:///system", "destroy", Domain);
            await HostState.RunAsync("virsh", "-c", "qemu:///system", "undefine", Domain);
        }

        foreach (var line in (await HostState.RunAsync("virsh", "-c", "qemu:///system", "secret-list")).Split('\n').Where(l => l.Contains("kubecloud/demo/data", StringComparison.Ordinal)))
        {
            await HostState.RunAsync("virsh", "-c", "qemu:///system", "secret-undefine", line.Trim().Split(' ')[0]);
        }

        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, true);
        }
    }

    [Fact]
    public async Task The_readme_command_brings_up_an_active_server_stops_clean_restarts_and_adopts_after_a_crash()
    {
        // First start: Active, seen with kubectl; the guest runs.
        var first = Start("first");
        await first.WaitForLineAsync("export KUBECONFIG=" + Kubeconfig, StartTimeout);
        await WaitActiveWithKubectlAsync(first);
        var bridge = DeviceNames.Bridge(await KubectlAsync("get network tenant -n demo -o jsonpath={.metadata.uid}"));
        var vxlan = DeviceNames.Vxlan(await KubectlAsync("get network tenant -n demo -o jsonpath={.metadata.uid}"));
        var dhcpNamespace = DeviceNames.DhcpNamespace(await KubectlAsync("get network tenant -n demo -o jsonpath={.metadata.uid}"));
        var iqn = await KubectlAsync("get volume data -n demo -o jsonpath={.status.target.iqn}");
        Assert.True(await HostState.LinkExistsAsync(bridge), $"bridge {bridge} of demo/tenant exists while the cloud runs");
        Assert.Contains(iqn, await HostState.TargetsAsync(), StringComparison.Ordinal);
        await first.WaitForLineAsync("KubeCloud is running", TimeSpan.FromMinutes(1));
        await PluginVerbsAsync(first);

        // Ctrl-C: exit 0 and nothing of the cloud left on the host.
        first.Signal("INT");
        Assert.Equal(0, await first.WaitForExitAsync(TimeSpan.FromMinutes(2)));
        await AssertHostCleanAsync(bridge, vxlan, dhcpNamespace, iqn);

        // Second start: the same cloud from the data directory (same Network uid), the guest booted again.
        var second = Start("second");
        await WaitActiveWithKubectlAsync(second);
        Assert.Equal(bridge, DeviceNames.Bridge(await KubectlAsync("get network tenant -n demo -o jsonpath={.metadata.uid}")));
        var qemu = await HostState.QemuPidAsync(Domain);
        Assert.NotNull(qemu);

        // SIGKILL: a crash leaves the guest running; the third start adopts it instead of restarting it.
        second.Signal("KILL");
        await second.WaitForExitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal("running", await HostState.DomainStateAsync(Domain));
        var third = Start("third");
        await WaitActiveWithKubectlAsync(third);
        await third.WaitForLineAsync("KubeCloud is running", StartTimeout);

        // The node has converged the server since it started: a spec change it reports on proves the pass ran.
        var generation = await KubectlAsync("patch server web-1 -n demo --type merge -p {\"spec\":{\"metadata\":{\"adopted\":\"yes\"}}} -o jsonpath={.metadata.generation}");
        await EventuallyAsync(
            async () => await KubectlAsync("get server web-1 -n demo -o jsonpath={.status.conditions[?(@.type==\"Spawned\")].observedGeneration}") == generation,
            $"the node reports Spawned for generation {generation}");
        Assert.Equal(qemu, await HostState.QemuPidAsync(Domain));
        Assert.Equal("running", await HostState.DomainStateAsync(Domain));

        third.Signal("INT");
        Assert.Equal(0, await third.WaitForExitAsync(TimeSpan.FromMinutes(2)));
        await AssertHostCleanAsync(bridge, vxlan, dhcpNamespace, iqn);
    }

    /// <summary>The plugin against the running cloud: console (plain and followed), then stop and start.</summary>
    private async Task PluginVerbsAsync(LocalModeProcess run)
    {
        var console = string.Empty;
        await EventuallyAsync(async () =>
        {
            console = await KubectlAsync("kubecloud console web-1 -n demo --tail 1000");
            return console.Contains("KC-HOSTNAME web-1", StringComparison.Ordinal);
        }, "kubectl kubecloud console web-1 to show the guest's hostname line");
        var followed = await FollowConsoleAsync("kubecloud console web-1 -n demo -f --tail 3", text => CountOf(text, "KC-TICK ") >= 6, TimeSpan.FromMinutes(2));
        output.WriteLine($"console -f: {CountOf(followed, "KC-TICK ")} ticks streamed");

        Assert.Contains("stop requested", await KubectlAsync("kubecloud stop web-1 -n demo"), StringComparison.Ordinal);
        await EventuallyAsync(async () => await KubectlAsync("get server web-1 -n demo -o jsonpath={.status.phase}") == "Stopped" && await HostState.DomainStateAsync(Domain) == "shut off",
            "web-1 Stopped after kubectl kubecloud stop, its domain shut off");
        Assert.Contains("start requested", await KubectlAsync("kubecloud start web-1 -n demo"), StringComparison.Ordinal);
        await WaitActiveWithKubectlAsync(run);
    }

    /// <summary>Runs a followed console until <paramref name="until"/> holds for its output, then interrupts it (SIGINT, as Ctrl-C): it must exit 0.</summary>
    private async Task<string> FollowConsoleAsync(string arguments, Func<string, bool> until, TimeSpan timeout)
    {
        using var process = System.Diagnostics.Process.Start(KubectlStart(arguments))!;
        var text = new System.Text.StringBuilder();
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            lock (text)
            {
                text.Append(e.Data).Append('\n');
                if (until(text.ToString()))
                {
                    seen.TrySetResult();
                }
            }
        };
        process.BeginOutputReadLine();
        var stderr = process.StandardError.ReadToEndAsync();
        if (await Task.WhenAny(seen.Task, Task.Delay(timeout)) != seen.Task)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"kubectl {arguments}: did not stream what was waited for within {timeout}: {text}{await stderr}");
        }

        await HostState.RunAsync("kill", "-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(exit.Token);
        lock (text)
        {
            return text.ToString();
        }
    }

    private static int CountOf(string text, string what) => System.Text.RegularExpressions.Regex.Count(text, System.Text.RegularExpressions.Regex.Escape(what));

    private System.Diagnostics.ProcessStartInfo KubectlStart(string arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo(KubeClients.Kubectl132) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var word in arguments.Split(' '))
        {
            start.ArgumentList.Add(word);
        }

        start.Environment["KUBECONFIG"] = Kubeconfig;
        start.Environment["PATH"] = PluginDirectory.Value + ":" + Environment.GetEnvironmentVariable("PATH");
        return start;
    }

    /// <summary>A directory with <c>kubectl-kubecloud</c> (the built plugin, run with dotnet) for kubectl's plugin lookup on PATH.</summary>
    private static readonly Lazy<string> PluginDirectory = new(() =>
    {
        var tfm = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        var dll = Path.Combine(KubeClients.RepositoryRoot, "operator", "KubeCloud.Kubectl.Cli", "bin", tfm.Parent!.Name, tfm.Name, "kubectl-kubecloud.dll");
        Assert.True(File.Exists(dll), $"the plugin is not built: {dll}");
        var directory = Directory.CreateTempSubdirectory("kubectl-plugin-").FullName;
        var shim = Path.Combine(directory, "kubectl-kubecloud");
        File.WriteAllText(shim, $"#!/bin/sh\nexec dotnet \"{dll}\" \"$@\"\n");
        File.SetUnixFileMode(shim, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return directory;
    });

    private LocalModeProcess Start(string tag)
    {
        var run = LocalModeProcess.StartReadmeCommand(KubeClients.RepositoryRoot, ["--data-dir", _data, "--port", _port.ToString(System.Globalization.CultureInfo.InvariantCulture)], output, tag);
        _runs.Add(run);
        return run;
    }

    /// <summary>Polls <c>kubectl get servers -n demo</c> until web-1's row says Active and libvirt runs its guest.</summary>
    private async Task WaitActiveWithKubectlAsync(LocalModeProcess run)
    {
        await run.WaitForLineAsync("export KUBECONFIG=" + Kubeconfig, StartTimeout);
        var table = string.Empty;
        await EventuallyAsync(async () =>
        {
            Assert.False(run.HasExited, $"kubecloud-local exited before web-1 was Active:\n{run.Text}");
            table = await KubectlAsync("get servers -n demo", check: false);
            var row = table.Split('\n').FirstOrDefault(l => l.StartsWith("web-1 ", StringComparison.Ordinal));
            return row is not null && row.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains("Active")
                && await HostState.DomainStateAsync(Domain) == "running";
        }, "web-1 Active in kubectl get servers and its domain running", StartTimeout);
        output.WriteLine(table);
    }

    private static async Task AssertHostCleanAsync(string bridge, string vxlan, string dhcpNamespace, string iqn)
    {
        Assert.DoesNotContain(dhcpNamespace, await HostState.RunAsync("ip", "netns", "list"), StringComparison.Ordinal);
        Assert.DoesNotContain(dhcpNamespace, await HostState.RunAsync("pgrep", "-af", "dnsmasq"), StringComparison.Ordinal);
        Assert.DoesNotContain("kubecloud/demo/data", await HostState.RunAsync("virsh", "-c", "qemu:///system", "secret-list"), StringComparison.Ordinal);
        Assert.Null(await HostState.DomainStateAsync(Domain));
        Assert.Null(await HostState.QemuPidAsync(Domain));
        Assert.False(await HostState.LinkExistsAsync(bridge), $"bridge {bridge} left behind");
        Assert.False(await HostState.LinkExistsAsync(vxlan), $"VXLAN device {vxlan} left behind");
        Assert.DoesNotContain(iqn, await HostState.TargetsAsync(), StringComparison.Ordinal);
    }

    private async Task<string> KubectlAsync(string arguments, bool check = true)
    {
        using var process = System.Diagnostics.Process.Start(KubectlStart(arguments))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (check && process.ExitCode != 0)
        {
            Assert.Fail($"kubectl {arguments}: exit {process.ExitCode}: {await stderr}");
        }

        return (await stdout).Trim();
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(3));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting for: {what}");
            }

            await Task.Delay(500);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
