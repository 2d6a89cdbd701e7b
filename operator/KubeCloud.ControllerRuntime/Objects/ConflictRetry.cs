using KubeCloud.ControllerRuntime.Client;

namespace KubeCloud.ControllerRuntime.Objects;

/// <summary>client-go's retry.RetryOnConflict: run a read-modify-write again when it loses an optimistic-concurrency race.</summary>
public static class ConflictRetry
{
    /// <summary>Attempts in total (client-go's DefaultRetry has 5 steps).</summary>
    public const int MaxAttempts = 5;

    /// <summary>Runs <paramref name="readModifyWrite"/>, again after a <see cref="ConflictException"/> (10 ms, then doubling), at most <see cref="MaxAttempts"/> times.</summary>
    public static async Task<TResult> RunAsync<TResult>(Func<CancellationToken, Task<TResult>> readModifyWrite, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(readModifyWrite);
        var delay = TimeSpan.FromMilliseconds(10);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await readModifyWrite(cancellationToken).ConfigureAwait(false);
            }
            catch (ConflictException) when (attempt < MaxAttempts)
            {
                await Task.Delay(delay, time ?? TimeProvider.System, cancellationToken).ConfigureAwait(false);
                delay *= 2;
            }
        }
    }
}
