using KubeCloud.ApiServer.Auth;
using KubeCloud.ApiServer.Security;

namespace KubeCloud.ApiServer.Tests.Units;

public sealed class TokenAuthenticatorTests
{
    [Fact]
    public void Reads_kube_apiserver_token_files()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, """
                # token,user,uid,"groups"
                t-admin,root,1,"system:masters"
                t-alice,alice,2,"tenants,kubecloud-members"
                t-bob,bob,3
                """);
            var authenticator = new TokenAuthenticator();
            authenticator.LoadFile(file);
            var alice = authenticator.Authenticate("Bearer t-alice")!;
            Assert.Equal("alice", alice.Name);
            Assert.Equal("2", alice.Uid);
            Assert.Equal(["tenants", "kubecloud-members", UserInfo.AuthenticatedGroup], alice.Groups);
            Assert.Contains(UserInfo.MastersGroup, authenticator.Authenticate("Bearer t-admin")!.Groups);
            Assert.Equal([UserInfo.AuthenticatedGroup], authenticator.Authenticate("bearer t-bob")!.Groups);
            Assert.Null(authenticator.Authenticate("Bearer nope"));
            Assert.Null(authenticator.Authenticate("Basic dDpw"));
            Assert.Null(authenticator.Authenticate(null));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
