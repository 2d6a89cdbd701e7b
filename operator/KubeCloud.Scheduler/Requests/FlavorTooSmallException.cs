namespace KubeCloud.Scheduler.Requests;

/// <summary>Which of nova's flavor/image checks refused the request.</summary>
public enum FlavorTooSmallReason
{
    /// <summary>nova's FlavorMemoryTooSmall: the flavor's memory is below the image's minMemory.</summary>
    FlavorMemoryTooSmall,

    /// <summary>nova's FlavorDiskSmallerThanMinDisk: the flavor's root disk is below the image's minDisk.</summary>
    FlavorDiskSmallerThanMinDisk,
}

/// <summary>
/// The flavor is too small for the image (nova refuses the request in the API, before scheduling):
/// the message names the flavor's value, the image's minimum and the fields they come from, and is
/// meant for the Server's status.fault (code 400).
/// </summary>
public sealed class FlavorTooSmallException : Exception
{
    public FlavorTooSmallException()
    {
    }

    public FlavorTooSmallException(string message)
        : base(message)
    {
    }

    public FlavorTooSmallException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public FlavorTooSmallException(FlavorTooSmallReason reason, string message)
        : base(message) => Reason = reason;

    /// <summary>nova's exception name for the refusal.</summary>
    public FlavorTooSmallReason Reason { get; }
}
