using System.Text;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;

namespace KubeCloud.ControllerRuntime.Tests;

public class WatchStreamReaderTests
{
    private const string Lines =
        """{"type":"ADDED","object":{"apiVersion":"kubecloud.io/v1alpha1","kind":"Server","metadata":{"name":"a","namespace":"demo","resourceVersion":"10"},"spec":{"flavorRef":{"name":"m1.small"}}}}""" + "\n" +
        """{"type":"MODIFIED","object":{"apiVersion":"kubecloud.io/v1alpha1","kind":"Server","metadata":{"name":"a","namespace":"demo","resourceVersion":"11"},"status":{"phase":"Active"}}}""" + "\r\n" +
        "\n" +
        """{"type":"BOOKMARK","object":{"kind":"Server","apiVersion":"kubecloud.io/v1alpha1","metadata":{"resourceVersion":"15","annotations":{"k8s.io/initial-events-end":"true"}}}}""" + "\n" +
        """{"type":"DELETED","object":{"apiVersion":"kubecloud.io/v1alpha1","kind":"Server","metadata":{"name":"a","namespace":"demo","resourceVersion":"16"}}}""";

    [Fact]
    public async Task Parses_events_split_at_any_byte_and_a_last_line_without_newline()
    {
        await using var stream = new TrickleStream(Encoding.UTF8.GetBytes(Lines), chunk: 7);
        var events = new List<WatchEvent<Server>>();
        await foreach (var e in WatchStreamReader.ReadAsync<Server>(stream))
        {
            events.Add(e);
        }

        Assert.Equal([WatchEventType.Added, WatchEventType.Modified, WatchEventType.Bookmark, WatchEventType.Deleted], events.Select(e => e.Type));
        Assert.Equal(["10", "11", "15", "16"], events.Select(e => e.Object.Metadata.ResourceVersion));
        Assert.Equal("m1.small", events[0].Object.Spec.FlavorRef.Name);
    }

    [Fact]
    public async Task An_ERROR_event_with_410_is_thrown_as_Gone_after_the_earlier_events()
    {
        var text = Lines.Split('\n')[0] + "\n" +
            """{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 5 (120)","reason":"Expired","code":410}}""" + "\n";
        await using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text));
        var seen = 0;
        var error = await Assert.ThrowsAsync<GoneException>(async () =>
        {
            await foreach (var e in WatchStreamReader.ReadAsync<Server>(stream))
            {
                seen++;
            }
        });
        Assert.Equal(1, seen);
        Assert.Equal("Expired", error.Reason);
    }

    [Fact]
    public void Other_ERROR_events_map_like_responses()
    {
        var line = """{"type":"ERROR","object":{"kind":"Status","status":"Failure","reason":"InternalError","code":500,"message":"boom"}}""";
        Assert.Throws<ServerErrorException>(() => WatchStreamReader.ParseLine<Server>(line));
        Assert.Throws<System.Text.Json.JsonException>(() => WatchStreamReader.ParseLine<Server>("""{"type":"WHAT","object":{}}"""));
    }

    [Fact]
    public void The_object_may_come_before_the_type()
    {
        var e = WatchStreamReader.ParseLine<Server>("""{"object":{"metadata":{"name":"x","resourceVersion":"3"}},"extra":[1,{"a":2}],"type":"DELETED"}""");
        Assert.Equal(WatchEventType.Deleted, e.Type);
        Assert.Equal("3", e.Object.Metadata.ResourceVersion);
        Assert.Throws<GoneException>(() => WatchStreamReader.ParseLine<Server>("""{"object":{"kind":"Status","code":410,"reason":"Expired"},"type":"ERROR"}"""));
    }

    /// <summary>A stream that returns at most <c>chunk</c> bytes per read, as a slow network does.</summary>
    private sealed class TrickleStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(chunk, buffer.Length)], cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            base.ReadAsync(buffer, offset, Math.Min(chunk, count), cancellationToken);
    }
}
