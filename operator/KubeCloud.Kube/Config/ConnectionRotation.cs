using System.Collections.Concurrent;
using System.Net.Http;
using System.Net.Sockets;

namespace KubeCloud.Kube.Config;

/// <summary>
/// Opens the handler's TCP connections (<see cref="SocketsHttpHandler.ConnectCallback"/>) and remembers them, so that
/// <see cref="CloseAll"/> can end every one of them when the client certificate rotates (as client-go's connrotation
/// dialer does); the pool then opens fresh connections, which handshake with the new certificate.
/// </summary>
internal sealed class ConnectionRotation
{
    private readonly ConcurrentDictionary<NetworkStream, byte> _open = new();

    /// <summary>How many times <see cref="CloseAll"/> has run.</summary>
    public int Rotations { get; private set; }

    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        foreach (var closed in _open.Keys.Where(s => !s.Socket.Connected))
        {
            _open.TryRemove(closed, out _);
        }

        var stream = new NetworkStream(socket, ownsSocket: true);
        _open[stream] = 0;
        return stream;
    }

    public void CloseAll()
    {
        Rotations++;
        foreach (var stream in _open.Keys)
        {
            _open.TryRemove(stream, out _);
            stream.Dispose();
        }
    }
}
