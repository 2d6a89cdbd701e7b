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
        if (!File.Exists(path))
        {
            return null;
        }

        byte[] buffer;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            var start = Math.Max(0, stream.Length - MaxBytes);
            stream.Position = start;
            buffer = new byte[stream.Length - start];
            stream.ReadExactly(buffer);
        }

        var text = new StringBuilder(buffer.Length);
        foreach (var c in Encoding.UTF8.GetString(buffer))
        {
            if (c is '\n' or '\t' || !char.IsControl(c))
            {
                text.Append(c);
            }
        }

        var all = text.ToString().TrimEnd('\n');
        return all.Length == 0 ? string.Empty : string.Join('\n', all.Split('\n').TakeLast(lines)) + "\n";
    }
}
