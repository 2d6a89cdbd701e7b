using System.Text.RegularExpressions;

namespace KubeCloud.Node.Tests.Fixtures;

/// <summary>Reads a guest's serial console log file and waits for markers in it.</summary>
public sealed class SerialLog(string path)
{
    public string Path { get; } = path;

    public string Text => File.Exists(Path) ? ReadShared() : "";

    /// <summary>Waits until the log (from <paramref name="fromOffset"/>) matches; returns the match.</summary>
    public async Task<Match> WaitForAsync(string pattern, TimeSpan timeout, int fromOffset = 0)
    {
        var regex = new Regex(pattern, RegexOptions.Multiline);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var text = Text;
            var match = regex.Match(text, Math.Min(fromOffset, text.Length));
            if (match.Success)
            {
                return match;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"serial log {Path} did not show /{pattern}/ within {timeout.TotalSeconds:0} s; last lines:\n{Tail(text, 25)}");
            }

            await Task.Delay(100);
        }
    }

    public int Length => Text.Length;

    public static string Tail(string text, int lines) => string.Join('\n', text.Split('\n').TakeLast(lines));

    private string ReadShared()
    {
        using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
