using System.Net;
using System.Security.Cryptography;
using KubeCloud.Node.Images;
using KubeCloud.Node.Processes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace KubeCloud.Local.Cli;

/// <summary>
/// The demo image: there may be no internet to fetch the example's Debian cloud image from, so the local mode builds the
/// busybox guest (<see cref="BusyboxGuestImage"/>: the Debian kernel package + a busybox initramfs, as a bootable raw disk)
/// and serves it over HTTP on 127.0.0.1, where the node daemon's image cache downloads it as it would any image.
/// </summary>
internal sealed class DemoImage : IAsyncDisposable
{
    public const string FileName = "kubecloud-demo-guest.raw";

    private readonly WebApplication _server;

    private DemoImage(string path, string sha256, BusyboxGuestImage guest, WebApplication server, Uri url)
    {
        Path = path;
        Sha256 = sha256;
        Guest = guest;
        _server = server;
        Url = url;
    }

    public string Path { get; }

    public string Sha256 { get; }

    public BusyboxGuestImage Guest { get; }

    public Uri Url { get; }

    /// <summary>
    /// Builds (or finds in <see cref="BusyboxGuestImage.DefaultCacheRoot"/>, shared with the node's tests) and serves the image
    /// on the port kept in <paramref name="portFile"/>: an Image's source is immutable, so its URL must stay the same across
    /// restarts (the first start takes a free port and writes it down).
    /// </summary>
    public static async Task<DemoImage> StartAsync(string portFile, Action<string> step, CancellationToken cancellationToken)
    {
        var cacheDirectory = BusyboxGuestImage.DefaultCacheRoot;
        step($"building the demo guest image (the Debian kernel package + busybox; cached in {cacheDirectory})");
        var run = ProcessCommandRunner.Instance;
        BusyboxGuestImage guest;
        string disk;
        try
        {
            guest = await BusyboxGuestImage.BuildAsync(run, cacheDirectory);
            disk = await guest.BootDiskAsync(run);
        }
        catch (Exception e) when (e is CommandFailedException or InvalidOperationException or IOException)
        {
            throw new LocalStartupException($"cannot build the demo guest image in {cacheDirectory}: {e.Message}", e);
        }

        cancellationToken.ThrowIfCancellationRequested();
        string sha;
        await using (var file = File.OpenRead(disk))
        {
            sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellationToken));
        }

        step($"demo guest image {(guest.FromCache ? "found in the cache" : $"built in {guest.BuildTime.TotalSeconds:0} s")}: kernel {guest.KernelVersion}, sha256 {sha}");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        ListenOptions? listen = null;
        var kept = File.Exists(portFile) && int.TryParse(await File.ReadAllTextAsync(portFile, cancellationToken), out var port) ? port : 0;
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, kept, l => listen = l));
        var app = builder.Build();
        app.MapMethods("/" + FileName, [HttpMethods.Get, HttpMethods.Head], () => Results.File(disk, "application/octet-stream", enableRangeProcessing: true));
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e) when (KubeCloud.ApiServer.Http.ListenFailure.IsPortInUse(e))
        {
            throw new LocalStartupException($"port {kept} on 127.0.0.1, where the demo image is served (kept in {portFile}: the Image's URL cannot change), is already in use; stop what holds it", e);
        }

        if (kept == 0)
        {
            await File.WriteAllTextAsync(portFile, listen!.IPEndPoint!.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
        }

        var url = new Uri($"http://127.0.0.1:{listen!.IPEndPoint!.Port}/{FileName}");
        return new DemoImage(disk, sha, guest, app, url);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync();
        await _server.DisposeAsync();
    }
}
