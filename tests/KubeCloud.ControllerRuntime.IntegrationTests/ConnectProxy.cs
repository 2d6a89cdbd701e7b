using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace KubeCloud.ControllerRuntime.IntegrationTests;

/// <summary>
/// A tiny HTTP CONNECT proxy on 127.0.0.1: reads <c>CONNECT host:port HTTP/1.1</c>, connects, answers 200 and copies
/// bytes both ways. It only tunnels to loopback, and counts the tunnels and their targets.
/// </summary>
public sealed class ConnectProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<string> _targets = new();
    private readonly Task _accepting;

    public ConnectProxy()
    {
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public Uri Url => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    /// <summary>The host:port of every tunnel opened so far.</summary>
    public IReadOnlyList<string> Targets => [.. _targets];

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        var tunnels = new List<Task>();
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                break;
            }

            tunnels.Add(TunnelAsync(client));
        }

        await Task.WhenAll(tunnels);
    }

    private async Task TunnelAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var downstream = client.GetStream();
                var head = await ReadHeadAsync(downstream);
                var parts = head.Split("\r\n")[0].Split(' ');
                if (parts is not ["CONNECT", var target, _] || !target.StartsWith("127.0.0.1:", StringComparison.Ordinal))
                {
                    await downstream.WriteAsync("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"u8.ToArray(), _stop.Token);
                    return;
                }

                _targets.Enqueue(target);
                using var upstream = new TcpClient();
                await upstream.ConnectAsync(IPAddress.Loopback, int.Parse(target["127.0.0.1:".Length..]), _stop.Token);
                await downstream.WriteAsync("HTTP/1.1 200 Connection established\r\n\r\n"u8.ToArray(), _stop.Token);
                var up = upstream.GetStream();
                await Task.WhenAny(downstream.CopyToAsync(up, _stop.Token), up.CopyToAsync(downstream, _stop.Token));
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // A tunnel ends when either side closes or the proxy stops.
            }
        }
    }

    /// <summary>The request head, byte by byte so that nothing after the blank line is consumed.</summary>
    private async Task<string> ReadHeadAsync(NetworkStream stream)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(one, _stop.Token) == 0 || head.Length > 8192)
            {
                throw new IOException("the client closed before the end of the CONNECT request");
            }

            head.Append((char)one[0]);
        }

        return head.ToString();
    }
}
