namespace KubeCloud.ControllerRuntime.Queue;

/// <summary>client-go's DefaultControllerRateLimiter: per-item 5 ms doubling to 1000 s, and an overall 10 qps, burst 100 bucket.</summary>
public static class DefaultControllerRateLimiter
{
    public static readonly TimeSpan BaseDelay = TimeSpan.FromMilliseconds(5);
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(1000);
    public const double Qps = 10;
    public const int Burst = 100;

    public static IRateLimiter<TKey> Create<TKey>(TimeProvider? time = null)
        where TKey : notnull =>
        new MaxOfRateLimiter<TKey>(
            new ExponentialFailureRateLimiter<TKey>(BaseDelay, MaxDelay),
            new BucketRateLimiter<TKey>(Qps, Burst, time));
}
