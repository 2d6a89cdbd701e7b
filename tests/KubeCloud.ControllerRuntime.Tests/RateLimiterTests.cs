using KubeCloud.ControllerRuntime.Queue;

namespace KubeCloud.ControllerRuntime.Tests;

public class RateLimiterTests
{
    [Fact]
    public void Per_item_backoff_doubles_from_5ms_to_1000s_and_forget_resets_it()
    {
        var limiter = new ExponentialFailureRateLimiter<string>(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1000));
        var delays = Enumerable.Range(0, 5).Select(_ => limiter.When("a")).ToList();
        Assert.Equal([5, 10, 20, 40, 80], delays.Select(d => d.TotalMilliseconds));
        Assert.Equal(5, limiter.NumRequeues("a"));
        Assert.Equal(TimeSpan.FromMilliseconds(5), limiter.When("b"));

        for (var i = 0; i < 30; i++)
        {
            limiter.When("a");
        }

        Assert.Equal(TimeSpan.FromSeconds(1000), limiter.When("a"));
        limiter.Forget("a");
        Assert.Equal(0, limiter.NumRequeues("a"));
        Assert.Equal(TimeSpan.FromMilliseconds(5), limiter.When("a"));
    }

    [Fact]
    public void Token_bucket_allows_a_burst_of_100_then_10_per_second()
    {
        var time = new ManualTimeProvider();
        var bucket = new BucketRateLimiter<string>(10, 100, time);
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(TimeSpan.Zero, bucket.When($"item{i}"));
        }

        Assert.Equal(100, Math.Round(bucket.When("x").TotalMilliseconds, 6));
        Assert.Equal(200, Math.Round(bucket.When("y").TotalMilliseconds, 6));

        time.Advance(TimeSpan.FromSeconds(1));
        // 1 s refilled 10 tokens; the debt was 2, so 8 are free, the 9th waits 100 ms.
        for (var i = 0; i < 8; i++)
        {
            Assert.Equal(TimeSpan.Zero, bucket.When("z"));
        }

        Assert.Equal(100, Math.Round(bucket.When("z").TotalMilliseconds, 6));
    }

    [Fact]
    public void Default_controller_limiter_takes_the_longer_of_backoff_and_bucket()
    {
        var time = new ManualTimeProvider();
        var limiter = DefaultControllerRateLimiter.Create<string>(time);
        Assert.Equal(TimeSpan.FromMilliseconds(5), limiter.When("a"));
        Assert.Equal(TimeSpan.FromMilliseconds(10), limiter.When("a"));
        for (var i = 0; i < 98; i++)
        {
            limiter.When($"other{i}");
        }

        // The bucket is empty: a fresh item waits for a token (100 ms), longer than its 5 ms backoff.
        Assert.Equal(100, Math.Round(limiter.When("fresh").TotalMilliseconds, 6));
        Assert.Equal(1, limiter.NumRequeues("fresh"));
    }
}
