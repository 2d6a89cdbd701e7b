namespace KubeCloud.ControllerRuntime.LeaderElection;

/// <summary>The lease and timings of a leader election; defaults are client-go's (15 s / 10 s / 2 s).</summary>
public sealed record LeaderElectionOptions
{
    public required string LeaseName { get; init; }

    public required string LeaseNamespace { get; init; }

    /// <summary>This replica's identity (default: host name plus a random suffix).</summary>
    public string Identity { get; init; } = $"{Environment.MachineName}_{Guid.NewGuid():N}";

    /// <summary>How long non-leaders wait after the last observed renewal before taking over.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the leader keeps trying to renew before it gives up leadership; must be shorter than <see cref="LeaseDuration"/>.</summary>
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The interval between attempts to acquire or renew.</summary>
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Clear holderIdentity on a clean shutdown so another replica takes over at once.</summary>
    public bool ReleaseOnCancel { get; init; } = true;

    internal void Validate()
    {
        if (RenewDeadline >= LeaseDuration)
        {
            throw new ArgumentException("RenewDeadline must be shorter than LeaseDuration.");
        }

        if (RetryPeriod >= RenewDeadline)
        {
            throw new ArgumentException("RetryPeriod must be shorter than RenewDeadline.");
        }
    }
}
