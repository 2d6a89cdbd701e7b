using k8s.Models;

namespace KubeCloud.ApiServer.Auth.Tests;

public sealed class KubeJsonTests
{
    [Fact]
    public void A_status_is_written_with_the_api_fields_only()
    {
        var json = KubeJson.Serialize(new V1Status { Kind = "Status", ApiVersion = "v1", Status = "Failure", Code = 404, Reason = "NotFound", Message = "servers \"x\" not found" });

        Assert.Equal("""{"apiVersion":"v1","code":404,"kind":"Status","message":"servers \"x\" not found","reason":"NotFound","status":"Failure"}""", json);
    }
}
