using k8s.Models;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Cache;

namespace KubeCloud.ControllerRuntime.Tests;

public class WriteExpectationsTests
{
    [Theory]
    [InlineData("never written", null, "7", false)]
    [InlineData("cache older than the write", "9", "7", true)]
    [InlineData("cache at the write", "9", "9", false)]
    [InlineData("cache past the write", "9", "12", false)]
    [InlineData("resourceVersion not a number", "9", "abc", false)]
    public void A_cache_is_behind_only_when_older_than_the_controllers_last_write(string name, string? written, string cached, bool behind)
    {
        _ = name;
        var expectations = new WriteExpectations();
        if (written is not null)
        {
            expectations.Written(At("uid-1", written));
        }

        Assert.Equal(behind, expectations.CacheIsBehind(At("uid-1", cached)));
        Assert.False(expectations.CacheIsBehind(At("uid-2", "1")));
    }

    [Fact]
    public void An_entry_goes_once_the_cache_caught_up_or_when_forgotten()
    {
        var expectations = new WriteExpectations();
        expectations.Written(At("a", "5"));
        expectations.Written(At("a", "3"));
        expectations.Written(At("b", "8"));
        Assert.Equal(2, expectations.Count);

        Assert.True(expectations.CacheIsBehind(At("a", "4")));
        Assert.False(expectations.CacheIsBehind(At("a", "5")));
        Assert.Equal(1, expectations.Count);

        expectations.Forget("b");
        Assert.Equal(0, expectations.Count);
        Assert.False(expectations.CacheIsBehind(At("b", "1")));
    }

    private static Server At(string uid, string resourceVersion) =>
        new() { Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "demo", Uid = uid, ResourceVersion = resourceVersion } };
}
