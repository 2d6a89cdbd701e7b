using KubeCloud.Node.Compute;

namespace KubeCloud.Node.Tests;

/// <summary>The last lines of a serial log, as the console endpoint and the boot-failure Events read them.</summary>
public sealed class ConsoleTailTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), "kc-console-" + Guid.NewGuid().ToString("N")[..8] + ".log");

    public void Dispose() => File.Delete(_path);

    [Theory]
    [InlineData("fewer lines than asked", "a\nb\n", 5, "a\nb\n")]
    [InlineData("the last ones", "a\nb\nc\nd\n", 2, "c\nd\n")]
    [InlineData("a last line without newline", "a\nb\nc", 1, "c\n")]
    [InlineData("carriage returns and escapes dropped", "boot\r\n\u001b[0mok\r\n", 2, "boot\n[0mok\n")]
    [InlineData("empty log", "", 3, "")]
    public void Reads_the_last_lines(string name, string log, int lines, string expected)
    {
        File.WriteAllText(_path, log);
        Assert.True(ConsoleTail.Read(_path, lines) == expected, $"{name}: got '{ConsoleTail.Read(_path, lines)}'");
    }

    [Fact]
    public void No_log_is_null_and_only_the_end_of_a_big_log_is_read()
    {
        Assert.Null(ConsoleTail.Read(_path, 10));
        File.WriteAllText(_path, string.Concat(Enumerable.Range(0, 100_000).Select(i => $"line {i}\n")));
        Assert.Equal("line 99998\nline 99999\n", ConsoleTail.Read(_path, 2));
        Assert.True(new FileInfo(_path).Length > ConsoleTail.MaxBytes);
    }
}
