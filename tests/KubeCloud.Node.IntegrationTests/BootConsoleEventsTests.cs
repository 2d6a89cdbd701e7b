using KubeCloud.Node.Agent.Servers;
using KubeCloud.Node.Agent.SerialConsole;

namespace KubeCloud.Node.IntegrationTests;

/// <summary>What a boot-failure Event carries, and the console endpoint's tailLines rule.</summary>
public sealed class BootConsoleEventsTests
{
    [Theory]
    [InlineData("no log yet", null, "spawn failed (no console log yet)")]
    [InlineData("an empty log", "", "spawn failed (the console is empty)")]
    [InlineData("the tail", "KC-BOOT\nKernel panic\n", "spawn failed\nConsole, last lines:\nKC-BOOT\nKernel panic")]
    public void The_note_is_the_message_then_the_consoles_last_lines(string name, string? console, string expected)
    {
        Assert.True(BootConsoleEvents.Note("spawn failed", console) == expected, name);
    }

    [Fact]
    public void A_long_console_keeps_its_newest_whole_lines_within_an_events_note()
    {
        var console = string.Concat(Enumerable.Range(0, 500).Select(i => $"line {i}\n"));
        var note = BootConsoleEvents.Note(new string('m', 2000), console);
        Assert.True(note.Length <= BootConsoleEvents.NoteLimit, $"{note.Length} characters");
        Assert.EndsWith("line 499", note, StringComparison.Ordinal);
        Assert.Contains("\nline ", note, StringComparison.Ordinal);
        Assert.StartsWith(new string('m', BootConsoleEvents.NoteLimit / 3), note, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("absent: the default", null, true, ConsoleEndpoint.DefaultTailLines)]
    [InlineData("a number", "20", true, 20)]
    [InlineData("the most", "5000", true, 5000)]
    [InlineData("too many", "5001", false, 0)]
    [InlineData("zero", "0", false, 0)]
    [InlineData("negative", "-1", false, 0)]
    [InlineData("not a number", "ten", false, 0)]
    public void TailLines_is_a_whole_number_from_1_to_5000(string name, string? value, bool valid, int lines)
    {
        var ok = ConsoleEndpoint.TryTailLines(value, out var parsed);
        Assert.True(ok == valid && (!valid || parsed == lines), $"{name}: {ok} {parsed}");
    }
}
