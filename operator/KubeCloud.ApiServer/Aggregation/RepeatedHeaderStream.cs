using System.Net.Http.Headers;
using System.Text;

namespace KubeCloud.ApiServer.Aggregation;

/// <summary>
/// Sends a header once per value (<c>X-Remote-Group: a</c>, <c>X-Remote-Group: b</c>), which HttpClient cannot: it joins
/// the values of one name into one line (<c>a, b</c>), and a request-header authenticator would read that as one group.
/// <see cref="Add"/> puts the second and later values under unique placeholder names; this stream, the connection's
/// plaintext (after TLS), renames them back in every request's header block, following Content-Length bodies across
/// keep-alive requests. After a chunked request body it stops rewriting, so such requests must close their connection
/// (<c>Connection: close</c>). Latin-1 keeps every byte of a block as it was (UTF-8 values included).
/// </summary>
public sealed class RepeatedHeaderStream : Stream
{
    private const string Placeholder = "X-Kubecloud-Repeat-";
    private static readonly byte[] EndOfHeaders = "\r\n\r\n"u8.ToArray();

    private readonly Stream _inner;
    private MemoryStream? _headers = new();
    private long _bodyLeft;

    public RepeatedHeaderStream(Stream inner)
    {
        _inner = inner;
    }

    public override bool CanRead => _inner.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => _inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Adds every value of <paramref name="name"/> so that each goes out as a line of its own.</summary>
    public static void Add(HttpRequestHeaders headers, string name, IEnumerable<string> values)
    {
        var index = 0;
        foreach (var value in values)
        {
            headers.TryAddWithoutValidation(index == 0 ? name : $"{Placeholder}{index}-{name}", value);
            index++;
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        var output = Rewrite(buffer);
        if (output.Length > 0)
        {
            _inner.Write(output.Span);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var output = Rewrite(buffer.Span, buffer);
        return output.Length == 0 ? ValueTask.CompletedTask : _inner.WriteAsync(output, cancellationToken);
    }

    public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

    public override int Read(Span<byte> buffer) => _inner.Read(buffer);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _inner.ReadAsync(buffer, offset, count, cancellationToken);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _inner.ReadAsync(buffer, cancellationToken);

    public override void Flush() => _inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync();
        await base.DisposeAsync();
    }

    /// <summary>
    /// Bytes to send now. Header blocks are held until complete and sent rewritten; a body of known length (Content-Length)
    /// goes through as is and the next request's header block is rewritten again (keep-alive); after a chunked body nothing
    /// is rewritten any more, so requests with such bodies must close their connection.
    /// </summary>
    private ReadOnlyMemory<byte> Rewrite(ReadOnlySpan<byte> buffer, ReadOnlyMemory<byte>? original = null)
    {
        if (_headers is null && _bodyLeft < 0)
        {
            return original ?? buffer.ToArray();
        }

        var output = new List<byte>(buffer.Length + 64);
        while (buffer.Length > 0)
        {
            if (_headers is null)
            {
                if (_bodyLeft < 0)
                {
                    output.AddRange(buffer);
                    break;
                }

                var take = (int)Math.Min(_bodyLeft, buffer.Length);
                output.AddRange(buffer[..take]);
                buffer = buffer[take..];
                _bodyLeft -= take;
                if (_bodyLeft == 0)
                {
                    _headers = new MemoryStream();
                }

                continue;
            }

            var seen = (int)_headers.Length;
            _headers.Write(buffer);
            var all = _headers.GetBuffer().AsSpan(0, (int)_headers.Length);
            var end = all.IndexOf(EndOfHeaders);
            if (end < 0)
            {
                break;
            }

            var lines = Encoding.Latin1.GetString(all[..(end + EndOfHeaders.Length)]).Split("\r\n").Select(Restore).ToList();
            output.AddRange(Encoding.Latin1.GetBytes(string.Join("\r\n", lines)));
            buffer = buffer[(end + EndOfHeaders.Length - seen)..];
            _headers = null;
            _bodyLeft = BodyLength(lines);
            if (_bodyLeft == 0)
            {
                _headers = new MemoryStream();
            }
        }

        return output.ToArray();
    }

    /// <summary>The body length a header block announces: Content-Length, 0 without one, -1 (unknown) for a chunked body.</summary>
    private static long BodyLength(List<string> lines)
    {
        if (lines.Any(l => l.StartsWith("Transfer-Encoding:", StringComparison.OrdinalIgnoreCase)))
        {
            return -1;
        }

        var length = lines.FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        return length is not null && long.TryParse(length["Content-Length:".Length..].Trim(), out var n) ? n : 0;
    }

    /// <summary><c>X-Kubecloud-Repeat-2-X-Remote-Group: b</c> → <c>X-Remote-Group: b</c>.</summary>
    internal static string Restore(string line)
    {
        if (!line.StartsWith(Placeholder, StringComparison.OrdinalIgnoreCase))
        {
            return line;
        }

        var dash = line.IndexOf('-', Placeholder.Length);
        return dash < 0 ? line : line[(dash + 1)..];
    }
}
