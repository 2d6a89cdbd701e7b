using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace KubeCloud.Operator.IntegrationTests.Images;

/// <summary>
/// A loopback HTTP server playing image sources: <c>/ok.qcow2</c> (4096 bytes), <c>/nosize.qcow2</c> (no
/// Content-Length), <c>/forbidden.qcow2</c> (403), <c>/later.qcow2</c> (404 until <see cref="Publish"/>), anything
/// else 404. It counts the requests per path.
/// </summary>
public sealed class ImageSourceServer : IAsyncDisposable
{
    public const int Size = 4096;

    private readonly WebApplication _app;
    private readonly Dictionary<string, int> _requests = new(StringComparer.Ordinal);
    private volatile bool _published;

    private ImageSourceServer(WebApplication app) => _app = app;

    public Uri BaseAddress => new(_app.Urls.First());

    public static async Task<ImageSourceServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        var server = new ImageSourceServer(app);
        app.Run(server.AnswerAsync);
        await app.StartAsync();
        return server;
    }

    /// <summary>A loopback URL where nothing listens.</summary>
    public static string Unreachable()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return $"http://127.0.0.1:{((IPEndPoint)socket.LocalEndPoint!).Port}/gone.qcow2";
    }

    public string Url(string path) => new Uri(BaseAddress, path).ToString();

    public void Publish() => _published = true;

    public int Requests(string path)
    {
        lock (_requests)
        {
            return _requests.GetValueOrDefault(path);
        }
    }

    private async Task AnswerAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        lock (_requests)
        {
            _requests[path] = _requests.GetValueOrDefault(path) + 1;
        }

        switch (path)
        {
            case "/ok.qcow2":
            case "/later.qcow2" when _published:
                context.Response.ContentLength = Size;
                if (!HttpMethods.IsHead(context.Request.Method))
                {
                    await context.Response.Body.WriteAsync(new byte[Size]);
                }

                break;
            case "/nosize.qcow2":
                // A streamed answer: chunked, no length.
                await context.Response.StartAsync();
                if (!HttpMethods.IsHead(context.Request.Method))
                {
                    await context.Response.Body.WriteAsync(new byte[16]);
                }

                break;
            case "/forbidden.qcow2":
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                break;
            default:
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                break;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
