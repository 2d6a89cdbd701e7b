using System.Diagnostics;
using System.Text;
using Xunit.Abstractions;

namespace KubeCloud.Local.Tests;

/// <summary>
/// kubecloud-local as a user runs it: the README's command (<c>dotnet run -c Release --project operator/KubeCloud.Local.Cli</c>)
/// in the repository the tests run in, in a session of its own (<c>setsid</c>) so that a signal reaches the whole process
/// group as Ctrl-C from a terminal does. Output lines are collected and echoed to the test output.
/// With <c>--no-build</c>: tests/run.sh has built the solution, and a build here, while other test projects run from their
/// outputs, could rewrite assemblies they have loaded (a dotnet run under <c>dotnet test</c>'s environment variables does
/// not see the outputs as up to date, and rebuilds the whole graph).
/// </summary>
internal sealed class LocalModeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly ITestOutputHelper _output;
    private readonly string _tag;

    private LocalModeProcess(Process process, ITestOutputHelper output, string tag)
    {
        _process = process;
        _output = output;
        _tag = tag;
        process.OutputDataReceived += (_, e) => Add(e.Data);
        process.ErrorDataReceived += (_, e) => Add(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public bool HasExited => _process.HasExited;

    public string Text
    {
        get
        {
            lock (_lines)
            {
                return string.Join('\n', _lines);
            }
        }
    }

    /// <summary>Starts the README's command with <paramref name="arguments"/> after <c>--</c>.</summary>
    public static LocalModeProcess StartReadmeCommand(string repository, IEnumerable<string> arguments, ITestOutputHelper output, string tag)
    {
        var start = new ProcessStartInfo("setsid")
        {
            WorkingDirectory = repository,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var word in (string[])["dotnet", "run", "-c", "Release", "--no-build", "--project", "operator/KubeCloud.Local.Cli", "--"])
        {
            start.ArgumentList.Add(word);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        return new LocalModeProcess(Process.Start(start)!, output, tag);
    }

    /// <summary>Sends <paramref name="signal"/> (INT, KILL...) to the process group, as a terminal's Ctrl-C does.</summary>
    public void Signal(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, "--", "-" + _process.Id]);
        kill.WaitForExit();
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>Waits until a line contains <paramref name="text"/>; fails with the output so far if the process exits first.</summary>
    public async Task WaitForLineAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Text.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited)
            {
                Assert.Fail($"kubecloud-local exited ({_process.ExitCode}) before printing \"{text}\":\n{Text}");
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"kubecloud-local did not print \"{text}\" within {timeout.TotalMinutes:0} min:\n{Text}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>
    /// Stops a run a failed test left running as a user would, with Ctrl-C, so the local mode removes what it made on
    /// the host (domain, bridge, VXLAN device, DHCP namespace, target); killed only if it does not exit within 2 min.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Signal("INT");
            using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            try
            {
                await _process.WaitForExitAsync(patience.Token);
            }
            catch (OperationCanceledException)
            {
                Signal("KILL");
                await _process.WaitForExitAsync();
            }
        }

        _process.Dispose();
    }

    private void Add(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lines)
        {
            _lines.Add(line);
        }

        try
        {
            _output.WriteLine($"[{_tag}] {line}");
        }
        catch (InvalidOperationException)
        {
            // The test has finished; the line is in Text.
        }
    }
}
