using KubeCloud.ApiServer.Aggregation;

namespace KubeCloud.ApiServer.Tests.Units;

public sealed class FrontProxyHeadersTests
{
    [Theory]
    [InlineData("a plain key", "scopes", "scopes")]
    [InlineData("a slash", "acme.io/scopes", "acme.io%2Fscopes")]
    [InlineData("a space", "a b", "a%20b")]
    [InlineData("what Go's PathEscape keeps", "k=v@x:y&z+$~", "k=v@x:y&z+$~")]
    [InlineData("what it escapes", "a?b;c,d#e%", "a%3Fb%3Bc%2Cd%23e%25")]
    [InlineData("UTF-8 bytes", "ü", "%C3%BC")]
    public void Extra_keys_are_escaped_as_Gos_url_PathEscape(string @case, string key, string escaped) =>
        Assert.True(escaped == FrontProxyHeaders.PathEscape(key), @case);

    [Theory]
    [InlineData("a placeholder line", "X-Kubecloud-Repeat-2-X-Remote-Group: b", "X-Remote-Group: b")]
    [InlineData("any case", "x-kubecloud-repeat-11-X-Remote-Extra-acme.io%2Fscopes: console", "X-Remote-Extra-acme.io%2Fscopes: console")]
    [InlineData("another header", "X-Remote-Group: a", "X-Remote-Group: a")]
    [InlineData("the request line", "GET /apis/g/v HTTP/1.1", "GET /apis/g/v HTTP/1.1")]
    public void Placeholder_lines_get_their_header_name_back(string @case, string line, string restored) =>
        Assert.True(restored == RepeatedHeaderStream.Restore(line), @case);

    /// <summary>Named cases: the writes HttpClient makes on one keep-alive connection, split at different places.</summary>
    [Theory]
    [InlineData("whole writes", 0)]
    [InlineData("split inside the first header block", 20)]
    [InlineData("split inside the body", 75)]
    [InlineData("one byte at a time", 1)]
    public void Every_header_block_on_a_keep_alive_connection_is_rewritten_and_bodies_pass_unchanged(string @case, int split)
    {
        const string first = "POST /a HTTP/1.1\r\nX-Remote-Group: a\r\nX-Kubecloud-Repeat-1-X-Remote-Group: b\r\nContent-Length: 31\r\n\r\nX-Kubecloud-Repeat-1-X: in body";
        const string second = "GET /b HTTP/1.1\r\nX-Remote-Group: c\r\nX-Kubecloud-Repeat-1-X-Remote-Group: d\r\n\r\n";
        using var wire = new MemoryStream();
        using var stream = new RepeatedHeaderStream(wire);
        var bytes = System.Text.Encoding.Latin1.GetBytes(first + second);
        var step = split == 0 ? bytes.Length : split;
        for (var at = 0; at < bytes.Length; at += step)
        {
            stream.Write(bytes, at, Math.Min(step, bytes.Length - at));
        }

        Assert.True(
            "POST /a HTTP/1.1\r\nX-Remote-Group: a\r\nX-Remote-Group: b\r\nContent-Length: 31\r\n\r\nX-Kubecloud-Repeat-1-X: in body"
            + "GET /b HTTP/1.1\r\nX-Remote-Group: c\r\nX-Remote-Group: d\r\n\r\n" == System.Text.Encoding.Latin1.GetString(wire.ToArray()),
            @case);
    }

    [Fact]
    public void Caller_identity_headers_are_recognised_in_any_case()
    {
        Assert.All(["Authorization", "authorization", "X-Remote-User", "x-remote-extra-a", "Impersonate-Group", "X-Remote-Uid"], h => Assert.True(FrontProxyHeaders.IsCallerIdentity(h), h));
        Assert.All(["Accept", "X-Request-Id", "User-Agent"], h => Assert.False(FrontProxyHeaders.IsCallerIdentity(h), h));
    }
}
