namespace KubeCloud.ControllerRuntime.Queue;

/// <summary>How long an item waits before it is processed again (client-go's workqueue.RateLimiter).</summary>
public interface IRateLimiter<in TKey>
{
    /// <summary>The delay for this retry of <paramref name="item"/>; counts the retry.</summary>
    TimeSpan When(TKey item);

    /// <summary>The item succeeded: stop tracking it.</summary>
    void Forget(TKey item);

    /// <summary>How many times the item has been retried since it was last forgotten.</summary>
    int NumRequeues(TKey item);
}
