using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace KubeCloud.Operator.Scale.Bench;

/// <summary>
/// The bench image's source on loopback: HEAD and GET of any path answer a fixed-size body, so the Image controller's
/// check (the source answers and its size is known) passes without the network.
/// </summary>
public sealed class ImageFileServer : IAsyncDisposable
{
    public const int Size = 64 * 1024;

    /// <summary>The sha256 of the body (zeros): the image's checksum, which a real node daemon verifies.</summary>
    public static string Sha256 { get; } = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(new byte[Size]));

    private readonly WebApplication _app;

    private ImageFileServer(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>The image's URL.</summary>
    public Uri Url { get; }

    public static async Task<ImageFileServer> StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var body = new byte[Size];
        app.MapMethods("/{**path}", ["GET", "HEAD"], async (HttpContext context) =>
        {
            context.Response.ContentType = "application/octet-stream";
            context.Response.ContentLength = body.Length;
            if (HttpMethods.IsGet(context.Request.Method))
            {
                await context.Response.Body.WriteAsync(body, context.RequestAborted);
            }
        });
        await app.StartAsync(cancellationToken);
        return new ImageFileServer(app, new Uri(new Uri(app.Urls.First()), "cirros.qcow2"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
