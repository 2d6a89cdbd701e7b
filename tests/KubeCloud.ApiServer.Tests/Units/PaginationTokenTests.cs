using KubeCloud.ApiServer.Http;
using KubeCloud.ApiServer.Storage;

namespace KubeCloud.ApiServer.Tests.Units;

public sealed class PaginationTokenTests
{
    [Fact]
    public void Continue_tokens_round_trip_in_kube_apiserver_form()
    {
        var token = new ContinueToken(42, "demo/web\u0000");
        var encoded = token.Encode();
        Assert.Equal(token, ContinueToken.Decode(encoded));
        var json = System.Text.Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(encoded));
        Assert.Equal("{\"v\":\"meta.k8s.io/v1\",\"rv\":42,\"start\":\"demo/web\\u0000\"}", json);
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("eyJ2IjoieCJ9")]
    public void Invalid_tokens_are_a_bad_request(string token) =>
        Assert.Equal(400, Assert.Throws<ApiException>(() => ContinueToken.Decode(token)).Code);
}
