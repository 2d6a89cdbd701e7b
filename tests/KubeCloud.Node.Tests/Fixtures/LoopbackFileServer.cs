using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace KubeCloud.Node.Tests.Fixtures;

/// <summary>A tiny HTTP server on 127.0.0.1 serving files from memory, with Range support.</summary>
public sealed class LoopbackFileServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Dictionary<string, string> _files = [];
    private readonly Task _loop;

    public LoopbackFileServer()
    {
        Port = FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public int RangeRequests { get; private set; }

    /// <summary>Serves <paramref name="path"/> at /<paramref name="name"/>; returns its URL.</summary>
    public Uri Add(string name, string path)
    {
        _files[name] = path;
        return new Uri($"http://127.0.0.1:{Port}/{name}");
    }

    /// <summary>A loopback port nothing listens on.</summary>
    public static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        // Close only: on Linux, Close after Stop looks the endpoint up again and re-binds its port
        // to remove the prefixes, failing with "Address already in use" when another test took it.
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var response = context.Response;
        try
        {
            if (!_files.TryGetValue(context.Request.Url!.AbsolutePath.TrimStart('/'), out var path) || !File.Exists(path))
            {
                response.StatusCode = 404;
                return;
            }

            await using var file = File.OpenRead(path);
            long start = 0;
            var range = context.Request.Headers["Range"];
            if (range is not null && range.StartsWith("bytes=", StringComparison.Ordinal))
            {
                RangeRequests++;
                start = long.Parse(range["bytes=".Length..].TrimEnd('-').Split('-')[0], CultureInfo.InvariantCulture);
                if (start >= file.Length)
                {
                    response.StatusCode = 416;
                    return;
                }

                response.StatusCode = 206;
                response.Headers["Content-Range"] = $"bytes {start}-{file.Length - 1}/{file.Length}";
            }

            response.ContentLength64 = file.Length - start;
            file.Position = start;
            await file.CopyToAsync(response.OutputStream);
        }
        catch (Exception e) when (e is IOException or HttpListenerException)
        {
        }
        finally
        {
            try
            {
                response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
            }
        }
    }
}
