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

    [Fact]
    public void Caller_identity_headers_are_recognised_in_any_case()
    {
        Assert.All(["Authorization", "authorization", "X-Remote-User", "x-remote-extra-a", "Impersonate-Group", "X-Remote-Uid"], h => Assert.True(FrontProxyHeaders.IsCallerIdentity(h), h));
        Assert.All(["Accept", "X-Request-Id", "User-Agent"], h => Assert.False(FrontProxyHeaders.IsCallerIdentity(h), h));
    }
}
