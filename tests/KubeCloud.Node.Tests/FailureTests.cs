using System.Security.Cryptography;
using KubeCloud.Node.Hypervisor;
using KubeCloud.Node.Images;
using KubeCloud.Node.Networking;
using KubeCloud.Node.Processes;
using KubeCloud.Node.Tests.Fixtures;
using Xunit.Abstractions;

namespace KubeCloud.Node.Tests;

/// <summary>Image cache against a real HTTP server on loopback and qemu-img: failures leave nothing behind.</summary>
public sealed class ImageCacheTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _root = Path.Combine("/var/tmp", "kc-image-tests-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly HttpClient _http = new();

    private ImageCache Cache => new(Path.Combine(_root, "cache"), _http, new QemuImg(ProcessCommandRunner.Instance));

    public void Dispose()
    {
        _http.Dispose();
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, true);
        }
    }

    [Fact]
    public async Task Wrong_checksum_names_expected_and_actual_digest_and_discards_the_download()
    {
        var (url, sha, server) = Serve(1 << 20);
        using (server)
        {
            var wrong = new string('0', 64);
            var e = await Assert.ThrowsAsync<ImageCacheException>(() => Cache.EnsureAsync(new ImageSource(url, wrong)));
            output.WriteLine(e.Message);
            Assert.Contains($"expected {wrong}", e.Message);
            Assert.Contains($"got {sha}", e.Message);
            AssertNothingCached();
        }
    }

    [Fact]
    public async Task Unreachable_url_fails_clearly_and_leaves_nothing()
    {
        var url = new Uri($"http://127.0.0.1:{LoopbackFileServer.FreePort()}/image.qcow2");
        var e = await Assert.ThrowsAsync<ImageCacheException>(() => Cache.EnsureAsync(new ImageSource(url, new string('a', 64))));
        output.WriteLine(e.Message);
        Assert.Contains("download failed", e.Message);
        Assert.Contains(url.ToString(), e.Message);
        AssertNothingCached();
    }

    [Fact]
    public async Task Image_over_the_size_limit_is_refused()
    {
        var (url, sha, server) = Serve(2 << 20);
        using (server)
        {
            var e = await Assert.ThrowsAsync<ImageCacheException>(() => Cache.EnsureAsync(new ImageSource(url, sha) { MaxBytes = 1 << 20 }));
            Assert.Contains("exceeds the limit", e.Message);
            AssertNothingCached();
        }
    }

    [Fact]
    public async Task Interrupted_download_resumes_with_a_range_request()
    {
        var (url, sha, server) = Serve(4 << 20);
        using (server)
        {
            var cache = Cache;
            Directory.CreateDirectory(cache.DownloadsDirectory);
            var full = await File.ReadAllBytesAsync(Path.Combine(_root, "served.raw"));
            await File.WriteAllBytesAsync(Path.Combine(cache.DownloadsDirectory, sha + ".part"), full[..(1 << 20)]);

            var image = await cache.EnsureAsync(new ImageSource(url, sha, "raw"));
            Assert.True(image.Fetch!.Resumed);
            Assert.Equal(3 << 20, image.Fetch.DownloadedBytes);
            Assert.Equal(1, server.RangeRequests);
            Assert.Equal("qcow2", image.Format);
            Assert.Equal(4 << 20, image.VirtualSize);
        }
    }

    [Fact]
    public async Task Overlays_share_one_base_and_the_base_is_pruned_when_unused()
    {
        var (url, sha, server) = Serve(2 << 20);
        using (server)
        {
            var cache = Cache;
            var image = await cache.EnsureAsync(new ImageSource(url, sha));
            var a = Path.Combine(_root, "a", "disk");
            var b = Path.Combine(_root, "b", "disk");
            await cache.CreateOverlayAsync(image, a, 8 << 20, "server-a");
            await cache.CreateOverlayAsync(image, b, null, "server-b");
            var info = await new QemuImg(ProcessCommandRunner.Instance).InfoAsync(a);
            Assert.Equal(("qcow2", 8L << 20, image.Path), (info.Format, info.VirtualSize, info.BackingFile));
            Assert.Equal(8L << 20, QemuImg.Qcow2VirtualSize(a)); // the header, read without qemu-img
            await new QemuImg(ProcessCommandRunner.Instance).ResizeAsync(a, "qcow2", 16L << 20);
            Assert.Equal((16L << 20, 16L << 20), (QemuImg.Qcow2VirtualSize(a), (await new QemuImg(ProcessCommandRunner.Instance).InfoAsync(a)).VirtualSize));
            Assert.Null(QemuImg.Qcow2VirtualSize(Path.Combine(_root, "served.raw")));
            Assert.Null(QemuImg.Qcow2VirtualSize(Path.Combine(_root, "missing")));
            Assert.Equal(["server-a", "server-b"], cache.References(sha));
            await Assert.ThrowsAsync<ImageCacheException>(() => cache.CreateOverlayAsync(image, Path.Combine(_root, "c", "disk"), 1 << 20, "server-c"));
            Assert.False(File.Exists(Path.Combine(_root, "c", "disk")));

            cache.RemoveReference(sha, "server-a");
            Assert.Empty(cache.Prune());
            cache.RemoveReference(sha, "server-b");
            Assert.Equal([sha], cache.Prune());
            Assert.Empty(Directory.GetFileSystemEntries(cache.BasesDirectory));
        }
    }

    [Fact]
    public async Task Statistics_count_a_miss_with_its_bytes_then_hits_and_failures_and_usage_sums_the_bases()
    {
        var (url, sha, server) = Serve(2 << 20);
        using (server)
        {
            var cache = Cache;
            Assert.Equal(default, cache.Usage());
            var image = await cache.EnsureAsync(new ImageSource(url, sha, "raw"));
            await cache.EnsureAsync(new ImageSource(url, sha, "raw"));
            await Assert.ThrowsAsync<ImageCacheException>(() => cache.EnsureAsync(new ImageSource(url, new string('0', 64))));
            Assert.NotNull(await cache.FindAsync(sha)); // not a counted lookup

            var s = cache.Statistics;
            Assert.Equal((1L, 1L, 1L, 2L << 20), (s.Hits, s.Misses, s.Failures, s.DownloadedBytes));
            Assert.Equal(new ImageCacheUsage(1, new FileInfo(image.Path).Length), cache.Usage());
        }
    }

    private (Uri Url, string Sha, LoopbackFileServer Server) Serve(int size)
    {
        Directory.CreateDirectory(_root);
        var bytes = RandomNumberGenerator.GetBytes(size);
        var path = Path.Combine(_root, "served.raw");
        File.WriteAllBytes(path, bytes);
        var server = new LoopbackFileServer();
        return (server.Add("image.raw", path), Convert.ToHexStringLower(SHA256.HashData(bytes)), server);
    }

    private void AssertNothingCached()
    {
        var cache = Path.Combine(_root, "cache");
        var leftovers = Directory.Exists(cache) ? Directory.GetFiles(cache, "*", SearchOption.AllDirectories) : [];
        Assert.Empty(leftovers);
    }
}

[Collection(VmCollection.Name)]
public sealed class MissingBridgeTests(VmFixture vm, ITestOutputHelper output)
{
    [Fact]
    public async Task Missing_bridge_fails_clearly_and_leaves_no_domain_or_tap()
    {
        var bridges = new BridgeNetwork(vm.Run);
        var missing = DeviceNames.Bridge("missing-" + Guid.NewGuid());
        var tap = DeviceNames.Tap("missing-port-" + Guid.NewGuid());
        var name = "kc-test-nobr-" + Guid.NewGuid().ToString("N")[..6];

        var check = await Assert.ThrowsAsync<NetworkSetupException>(() => bridges.RequireBridgeAsync(missing));
        Assert.Contains(missing, check.Message);

        // And if the domain is started anyway, libvirt's own error comes back and the domain is removed.
        vm.Driver.Define(DomainXmlBuilder.Build(vm.GuestSpec(name) with { Nics = [new NicSpec(NetworkGuestTests.RandomMac(), missing, tap)] }));
        try
        {
            var e = Assert.Throws<LibvirtException>(() => vm.Driver.Start(name));
            output.WriteLine(e.Message);
            Assert.Contains(missing, e.Message);
        }
        finally
        {
            vm.RemoveDomain(name);
        }

        Assert.False(await bridges.LinkExistsAsync(tap));
        Assert.False(await bridges.LinkExistsAsync(missing));
        Assert.Null(vm.Driver.Find(name));
        Assert.Throws<LibvirtException>(() => vm.Driver.GetStatus(name));
    }
}
