using System.Runtime.CompilerServices;
using System.Text;

namespace KubeCloud.Node.Compute;

/// <summary>
/// What a guest prints to its serial console log from an offset on, as <c>kubectl logs -f</c> follows a container's
/// log: the file is polled, each new piece decoded (UTF-8 split across reads kept whole) and filtered as
/// <see cref="ConsoleTail"/> does. A log that shrank (the server was re-created) is read again from its start; a log
/// that is not there yet is waited for. It ends when <c>cancellationToken</c> is cancelled, or, once everything written
/// has been read, when <c>keepFollowing</c> says no (the server left the node, as <c>kubectl logs -f</c> ends with its container).
/// </summary>
public static class ConsoleFollow
{
    /// <summary>The most one piece carries, so a guest printing fast cannot make one huge string.</summary>
    public const int MaxPieceBytes = 64 * 1024;

    public static async IAsyncEnumerable<string> FollowAsync(string path, long offset, TimeSpan pollInterval, TimeProvider? time = null,
        Func<bool>? keepFollowing = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        var decoder = Encoding.UTF8.GetDecoder();
        var bytes = new byte[MaxPieceBytes];
        var chars = new char[Encoding.UTF8.GetMaxCharCount(bytes.Length)];
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (piece, next) = ReadPiece(path, offset, decoder, bytes, chars);
            if (next < offset)
            {
                decoder.Reset();
            }

            offset = next;
            if (piece.Length > 0)
            {
                yield return piece;
            }
            else if (keepFollowing?.Invoke() == false)
            {
                yield break;
            }
            else
            {
                await Task.Delay(pollInterval, time ?? TimeProvider.System, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static (string Piece, long Offset) ReadPiece(string path, long offset, Decoder decoder, byte[] bytes, char[] chars)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length < offset)
            {
                return (string.Empty, 0);
            }

            stream.Position = offset;
            var read = stream.Read(bytes);
            var count = decoder.GetChars(bytes, 0, read, chars, 0);
            var text = new StringBuilder(count);
            ConsoleTail.AppendPrintable(chars.AsSpan(0, count), text);
            return (text.ToString(), offset + read);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return (string.Empty, offset);
        }
    }
}
