using KubeCloud.ControllerRuntime.Queue;

namespace KubeCloud.ControllerRuntime.Tests;

public class RateLimitingQueueTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Adding_an_item_many_times_queues_it_once()
    {
        using var queue = new RateLimitingQueue<string>("dedupe", time: new ManualTimeProvider());
        queue.Add("a");
        queue.Add("b");
        queue.Add("a");
        queue.Add("a");
        Assert.Equal(2, queue.Count);
        Assert.Equal("a", (await queue.GetAsync()).Item);
        Assert.Equal("b", (await queue.GetAsync()).Item);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task An_item_re_added_while_processing_is_handed_out_again_only_after_Done()
    {
        using var queue = new RateLimitingQueue<string>("processing", time: new ManualTimeProvider());
        queue.Add("a");
        var (item, _) = await queue.GetAsync();
        queue.Add("a");
        queue.Add("a");
        Assert.Equal(0, queue.Count);

        var second = queue.GetAsync();
        await Task.Delay(50);
        Assert.False(second.IsCompleted);

        queue.Done(item);
        Assert.Equal("a", (await second.WaitAsync(Wait)).Item);
        queue.Done("a");
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task Concurrent_workers_never_hold_the_same_key_at_once()
    {
        using var queue = new RateLimitingQueue<int>("concurrency", time: new ManualTimeProvider());
        var inFlight = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        var overlaps = 0;
        var processed = 0;
        var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                var (item, shutdown) = await queue.GetAsync();
                if (shutdown)
                {
                    return;
                }

                if (!inFlight.TryAdd(item, 1))
                {
                    Interlocked.Increment(ref overlaps);
                }

                await Task.Yield();
                inFlight.TryRemove(item, out _);
                Interlocked.Increment(ref processed);
                queue.Done(item);
            }
        })).ToList();

        for (var i = 0; i < 2000; i++)
        {
            queue.Add(i % 5);
        }

        await queue.ShutDownWithDrainAsync().WaitAsync(Wait);
        await Task.WhenAll(workers).WaitAsync(Wait);
        Assert.Equal(0, overlaps);
        Assert.InRange(processed, 5, 2000);
    }

    [Fact]
    public async Task Delayed_adds_become_ready_exactly_when_due_and_the_earliest_wins()
    {
        var time = new ManualTimeProvider();
        using var queue = new RateLimitingQueue<string>("delayed", time: time);
        queue.AddAfter("a", TimeSpan.FromSeconds(10));
        queue.AddAfter("b", TimeSpan.FromSeconds(5));
        queue.AddAfter("a", TimeSpan.FromSeconds(3));
        queue.AddAfter("b", TimeSpan.FromSeconds(30));
        Assert.Equal(0, queue.Count);
        Assert.Equal(2, queue.WaitingCount);

        time.Advance(TimeSpan.FromMilliseconds(2999));
        Assert.Equal(0, queue.Count);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, queue.Count);
        Assert.Equal("a", (await queue.GetAsync()).Item);

        time.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.Equal(0, queue.Count);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal("b", (await queue.GetAsync()).Item);

        time.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(0, queue.Count);
        Assert.Equal(0, queue.WaitingCount);
    }

    [Fact]
    public async Task Rate_limited_retries_wait_5_10_20_40_ms_and_Forget_restarts_the_backoff()
    {
        var time = new ManualTimeProvider();
        using var queue = new RateLimitingQueue<string>("backoff", time: time);
        var expected = new[] { 5, 10, 20, 40 };
        foreach (var delay in expected)
        {
            queue.AddRateLimited("a");
            time.Advance(TimeSpan.FromMilliseconds(delay - 1));
            Assert.Equal(0, queue.Count);
            time.Advance(TimeSpan.FromMilliseconds(1));
            Assert.Equal(1, queue.Count);
            var (item, _) = await queue.GetAsync();
            queue.Done(item);
        }

        Assert.Equal(4, queue.NumRequeues("a"));
        queue.Forget("a");
        Assert.Equal(0, queue.NumRequeues("a"));
        queue.AddRateLimited("a");
        time.Advance(TimeSpan.FromMilliseconds(5));
        Assert.Equal(1, queue.Count);
    }

    [Fact]
    public async Task Shutdown_wakes_waiting_getters_and_drops_later_adds()
    {
        using var queue = new RateLimitingQueue<string>("shutdown", time: new ManualTimeProvider());
        var waiting = queue.GetAsync();
        queue.ShutDown();
        Assert.True((await waiting.WaitAsync(Wait)).Shutdown);
        queue.Add("late");
        Assert.Equal(0, queue.Count);
        Assert.True((await queue.GetAsync()).Shutdown);
    }

    [Fact]
    public async Task Drain_waits_for_queued_and_in_flight_items()
    {
        using var queue = new RateLimitingQueue<string>("drain", time: new ManualTimeProvider());
        queue.Add("a");
        queue.Add("b");
        var (a, _) = await queue.GetAsync();
        var drained = queue.ShutDownWithDrainAsync();
        await Task.Delay(50);
        Assert.False(drained.IsCompleted);

        queue.Done(a);
        var (b, shutdown) = await queue.GetAsync();
        Assert.False(shutdown);
        Assert.Equal("b", b);
        Assert.False(drained.IsCompleted);
        queue.Done(b);
        await drained.WaitAsync(Wait);
        Assert.True((await queue.GetAsync()).Shutdown);
    }

    [Fact]
    public async Task Get_can_be_cancelled_without_losing_a_later_item()
    {
        using var queue = new RateLimitingQueue<string>("cancel", time: new ManualTimeProvider());
        using var cts = new CancellationTokenSource();
        var cancelled = queue.GetAsync(cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        queue.Add("a");
        Assert.Equal("a", (await queue.GetAsync().WaitAsync(Wait)).Item);
    }
}
