using System.Diagnostics;
using System.Text.RegularExpressions;

namespace KubeCloud.Operator.Scale.Bench;

/// <summary>
/// A .NET program of this repository run as its own process (<c>dotnet &lt;dll&gt;</c>), its output kept (the last
/// lines are shown when it fails) and scanned for what the bench waits on. Stopped with SIGTERM, then killed.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];
    private readonly List<(Regex Pattern, TaskCompletionSource<Match> Found)> _waits = [];
    private bool _disposed;

    private ChildProcess(Process process, string name)
    {
        _process = process;
        Name = name;
    }

    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public ProcessProbe Probe => new(_process.Id);

    /// <summary>
    /// Starts <c>dotnet <paramref name="dll"/> <paramref name="arguments"/></c> (a path not ending in <c>.dll</c> is run
    /// itself: a self-contained or NativeAOT build); <paramref name="environment"/> adds to (or, with a null value,
    /// removes from) the bench's own environment.
    /// </summary>
    public static ChildProcess Start(string name, string dll, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment)
    {
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{name}: {dll} is not built (dotnet build tests/KubeCloud.Operator.Scale.Bench -c Release builds it)", dll);
        }

        var managed = dll.EndsWith(".dll", StringComparison.Ordinal);
        var start = new ProcessStartInfo(managed ? "dotnet" : dll) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (managed)
        {
            start.ArgumentList.Add(dll);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(key);
            }
            else
            {
                start.Environment[key] = value;
            }
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var child = new ChildProcess(process, name);
        process.OutputDataReceived += (_, e) => child.Line(e.Data);
        process.ErrorDataReceived += (_, e) => child.Line(e.Data);
        process.Exited += (_, _) => child.Exited();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>The first output line matching <paramref name="pattern"/> (lines already written count).</summary>
    public async Task<Match> WaitForLineAsync(Regex pattern, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var found = new TaskCompletionSource<Match>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_output)
        {
            foreach (var line in _output)
            {
                if (pattern.Match(line) is { Success: true } match)
                {
                    return match;
                }
            }

            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} before writing /{pattern}/:\n{Tail()}");
            }

            _waits.Add((pattern, found));
        }

        try
        {
            return await found.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{Name} wrote no line matching /{pattern}/ within {timeout.TotalSeconds:F0} s:\n{Tail()}");
        }
    }

    /// <summary>The last lines of output, for failure messages.</summary>
    public string Tail(int lines = 30)
    {
        lock (_output)
        {
            return string.Join('\n', _output.TakeLast(lines));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_process.HasExited)
        {
            // SIGTERM: both binaries stop cleanly on it.
            _ = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }

        _process.Dispose();
    }

    private void Line(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Add(line);
            if (_output.Count > 2000)
            {
                _output.RemoveRange(0, 1000);
            }

            for (var i = _waits.Count - 1; i >= 0; i--)
            {
                if (_waits[i].Pattern.Match(line) is { Success: true } match)
                {
                    _waits[i].Found.TrySetResult(match);
                    _waits.RemoveAt(i);
                }
            }
        }
    }

    private void Exited()
    {
        lock (_output)
        {
            foreach (var (pattern, found) in _waits)
            {
                found.TrySetException(new InvalidOperationException($"{Name} exited with {_process.ExitCode} before writing /{pattern}/:\n{Tail()}"));
            }

            _waits.Clear();
        }
    }
}
