using System.Net.Http.Headers;
using System.Text;

namespace KubeCloud.ApiServer.Aggregation;

/// <summary>
/// Sends a header once per value (<c>X-Remote-Group: a</c>, <c>X-Remote-Group: b</c>), which HttpClient cannot: it joins
/// the values of one name into one line (<c>a, b</c>), and a request-header authenticator would read that as one group.
/// <see cref="Add"/> puts the second and later values under unique placeholder names; this stream, the connection's
/// plaintext (after TLS), renames them back in the request's header block. It rewrites the first header block of a
/// connection only, so requests that use it must not share connections (<c>Connection: close</c>). Latin-1 keeps every
/// byte of the block as it was (UTF-8 values included).
/// </summary>
public sealed class RepeatedHeaderStream : Stream
{
    private const string Placeholder = "X-Kubecloud-Repeat-";
    private static readonly byte[] EndOfHeaders = "\r\n\r\n"u8.ToArray();

    private readonly Stream _inner;
    private MemoryStream? _headers = new();

    public RepeatedHeaderStream(Stream inner)
    {
        _inner = inner;
    }

    public override bool CanRead => _inner.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => _inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Adds every value of <paramref name="name"/> so that each goes out as a line of its own, and closes the connection after the request.</summary>
    public static void Add(HttpRequestHeaders headers, string name, IEnumerable<string> values)
    {
        var index = 0;
        foreach (var value in values)
        {
            headers.TryAddWithoutValidation(index == 0 ? name : $"{Placeholder}{index}-{name}", value);
            index++;
        }

        headers.ConnectionClose = true;
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

    /// <summary>Bytes to send now: nothing while the header block is incomplete, the rewritten block (and what follows it) once it is, then everything as is.</summary>
    private ReadOnlyMemory<byte> Rewrite(ReadOnlySpan<byte> buffer, ReadOnlyMemory<byte>? original = null)
    {
        if (_headers is null)
        {
            return original ?? buffer.ToArray();
        }

        _headers.Write(buffer);
        var all = _headers.GetBuffer().AsSpan(0, (int)_headers.Length);
        var end = all.IndexOf(EndOfHeaders);
        if (end < 0)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        var block = Encoding.Latin1.GetString(all[..(end + 2)]);
        var rest = all[(end + 2)..].ToArray();
        _headers = null;
        var lines = block.Split("\r\n").Select(Restore);
        return Encoding.Latin1.GetBytes(string.Join("\r\n", lines)).Concat(rest).ToArray();
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
