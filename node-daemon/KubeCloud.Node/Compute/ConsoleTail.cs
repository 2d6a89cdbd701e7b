using System.Text;

namespace KubeCloud.Node.Compute;

/// <summary>
/// The last lines of a guest's serial console log, read while QEMU appends to it. Only the end of the file is read
/// (at most <see cref="MaxBytes"/>), so a guest that has printed for weeks costs no more than one that just booted.
/// </summary>
public static class ConsoleTail
{
    /// <summary>The most that is read from the end of the file.</summary>
    public const int MaxBytes = 256 * 1024;

    /// <summary>Up to <paramref name="lines"/> last lines (carriage returns and other control characters but tab dropped); null when there is no log.</summary>
    public static string? Read(string path, int lines)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(lines, 1);
        if (ReadEnd(path) is not { } end)
        {
            return null;
        }

        var all = end.Text.TrimEnd('\n');
        return all.Length == 0 ? string.Empty : string.Join('\n', all.Split('\n').TakeLast(lines)) + "\n";
    }

    /// <summary>
    /// Up to <paramref name="lines"/> last lines as they are (a last line still being written is kept without a newline),
    /// and the file's length they end at, where <see cref="ConsoleFollow"/> carries on; null when there is no log.
    /// </summary>
    public static (string Text, long End)? ReadForFollow(string path, int lines)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(lines, 1);
        if (ReadEnd(path) is not { } end)
        {
            return null;
        }

        var split = end.Text.Split('\n');
        var complete = end.Text.EndsWith('\n');
        var kept = (complete ? split[..^1] : split).TakeLast(lines);
        var text = string.Join('\n', kept);
        return (complete && text.Length > 0 ? text + "\n" : text, end.Length);
    }

    /// <summary>Appends the characters a terminal-less reader wants: newlines, tabs and printable ones.</summary>
    public static void AppendPrintable(ReadOnlySpan<char> chars, StringBuilder text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var c in chars)
        {
            if (c is '\n' or '\t' || !char.IsControl(c))
            {
                text.Append(c);
            }
        }
    }

    private static (string Text, long Length)? ReadEnd(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        byte[] buffer;
        long length;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            length = stream.Length;
            var start = Math.Max(0, length - MaxBytes);
            stream.Position = start;
            buffer = new byte[length - start];
            stream.ReadExactly(buffer);
        }
        catch (FileNotFoundException)
        {
            return null;
        }

        var text = new StringBuilder(buffer.Length);
        AppendPrintable(Encoding.UTF8.GetString(buffer), text);
        return (text.ToString(), length);
    }
}
