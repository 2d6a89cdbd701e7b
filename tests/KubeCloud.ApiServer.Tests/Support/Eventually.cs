namespace KubeCloud.ApiServer.Tests.Support;

public static class Eventually
{
    /// <summary>Polls until <paramref name="condition"/> holds or the time is up.</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, string what, double seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail($"timed out waiting for {what}");
    }
}
