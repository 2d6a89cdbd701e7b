using System.Collections.Concurrent;
using System.Globalization;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Events;
using KubeCloud.Node.Compute;
using KubeCloud.Node.Mapping;

namespace KubeCloud.Node.Agent.Servers;

/// <summary>
/// Warning Events on a Server that carry its console's last lines, so <c>kubectl describe server</c> shows why a boot
/// failed without the <c>servers/console</c> permission's endpoint: <c>SpawnFailed</c> when defining or starting the
/// domain failed, and <c>NoConsoleOutput</c> (once per server) when a running guest's serial log stayed empty for
/// <see cref="NodeAgentOptions.ConsoleSilenceDeadline"/> after it was launched. Only a log QEMU created counts (the fake
/// driver makes none, so it records no silence).
/// </summary>
public sealed class BootConsoleEvents(IEventRecorder events, NodeLayout layout, NodeAgentOptions options, TimeProvider time)
{
    /// <summary>events.k8s.io/v1 keeps at most 1 KB of a note.</summary>
    public const int NoteLimit = 1024;

    private const int TailLines = 15;

    private readonly ConcurrentDictionary<string, byte> _silenceReported = new(StringComparer.Ordinal);

    public void SpawnFailed(Server server, string message)
    {
        ArgumentNullException.ThrowIfNull(server);
        events.Record(server, EventTypes.Warning, ServerReasons.SpawnFailed, "Spawn", Note(message, ConsoleTail.Read(layout.ConsoleLogPath(server), TailLines)));
    }

    /// <summary>After a pass that left the guest running: a Warning once the guest has been silent past the deadline.</summary>
    public void CheckSilence(Server server, ObservedPowerState? power)
    {
        ArgumentNullException.ThrowIfNull(server);
        if (power != ObservedPowerState.Running || server.Status?.LaunchedAt is not { } launched || server.Metadata.Uid is not { } uid
            || time.GetUtcNow() - launched < options.ConsoleSilenceDeadline)
        {
            return;
        }

        if (new FileInfo(layout.ConsoleLogPath(server)) is not { Exists: true, Length: 0 } || !_silenceReported.TryAdd(uid, 0))
        {
            return;
        }

        var minutes = options.ConsoleSilenceDeadline.TotalMinutes.ToString("0.#", CultureInfo.InvariantCulture);
        events.Record(server, EventTypes.Warning, "NoConsoleOutput", "Boot",
            $"The guest has printed nothing on its serial console (ttyS0) in the {minutes} min since it was launched: the image may not boot, or its kernel does not write to ttyS0 (console=ttyS0).");
    }

    /// <summary>Forgets a deleted server.</summary>
    public void Forget(Server server)
    {
        ArgumentNullException.ThrowIfNull(server);
        if (server.Metadata.Uid is { } uid)
        {
            _silenceReported.TryRemove(uid, out _);
        }
    }

    /// <summary>The message, then as many of the console's last lines as fit in <see cref="NoteLimit"/> (the newest kept).</summary>
    public static string Note(string message, string? console)
    {
        ArgumentNullException.ThrowIfNull(message);
        var head = message.Length > NoteLimit / 3 ? message[..(NoteLimit / 3)] + "…" : message;
        if (string.IsNullOrWhiteSpace(console))
        {
            return head + (console is null ? " (no console log yet)" : " (the console is empty)");
        }

        const string label = "\nConsole, last lines:\n";
        var room = NoteLimit - head.Length - label.Length;
        var tail = console.TrimEnd('\n');
        if (tail.Length > room)
        {
            tail = tail[^room..];
            tail = tail[(tail.IndexOf('\n', StringComparison.Ordinal) + 1)..]; // whole lines only
        }

        return head + label + tail;
    }
}
