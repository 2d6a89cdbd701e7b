using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace KubeCloud.Operator.IntegrationTests.Images;

/// <summary>
/// A loopback HTTP server playing image sources: <c>/ok.qcow2</c> (4096 zero bytes), <c>/nosize.qcow2</c> (no
/// Content-Length), <c>/forbidden.qcow2</c> (403), <c>/later.qcow2</c> (404 until <see cref="Publish"/>),
/// <c>/big.qcow2</c> (<see cref="BigSize"/> bytes), <c>/short.qcow2</c> (promises 4096 bytes, sends 100 and breaks off),
/// <c>/slow-*.qcow2</c> (4096 bytes once <see cref="OpenGate"/> is called; <see cref="InFlight"/> and
/// <see cref="MaxInFlight"/> count them), anything else 404. It counts the requests per path.
/// </summary>
public sealed class ImageSourceServer : IAsyncDisposable
{
    public const int Size = 4096;

    public const int BigSize = 16384;

    /// <summary>The sha256 of <see cref="Size"/> zero bytes, what <c>/ok.qcow2</c> serves.</summary>
    public static readonly string Sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(new byte[Size]));

    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _inFlight;
    private int _maxInFlight;

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

    /// <summary>Lets every <c>/slow-*</c> answer send its body.</summary>
    public void OpenGate() => _gate.TrySetResult();

    public int InFlight => Volatile.Read(ref _inFlight);

    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

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
            case "/big.qcow2":
                context.Response.ContentLength = BigSize;
                await context.Response.Body.WriteAsync(new byte[BigSize]);
                break;
            case "/short.qcow2":
                context.Response.ContentLength = Size;
                await context.Response.Body.WriteAsync(new byte[100]);
                await context.Response.Body.FlushAsync();
                context.Abort();
                break;
            case not null when path.StartsWith("/slow-", StringComparison.Ordinal):
                var now = Interlocked.Increment(ref _inFlight);
                InterlockedMax(ref _maxInFlight, now);
                try
                {
                    context.Response.ContentLength = Size;
                    await _gate.Task;
                    await context.Response.Body.WriteAsync(new byte[Size]);
                }
                finally
                {
                    Interlocked.Decrement(ref _inFlight);
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

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        OpenGate();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
