using KubeCloud.Api.V1Alpha1;

namespace KubeCloud.Operator.Controllers.Servers;

/// <summary>
/// What the node daemon has reported about a Server (README, "Who writes what"), read into what the operator makes of
/// it: a failure (phase Error with the node's message), the phase the guest is in, and the task in progress while the
/// desired and the observed state differ. Pure: the reconciler feeds it the Server as cached.
/// </summary>
public sealed record NodeReport(
    bool SpawnedForGeneration,
    bool Launched,
    ObservedPowerState? PowerState,
    string? FailureReason,
    string? FailureMessage,
    string? Refusal,
    bool RebootPending)
{
    public const string SpawnedCondition = "Spawned";
    public const string ImageReadyCondition = "ImageReady";

    /// <summary>Reasons of a False Spawned or ImageReady that mean "still working", not a failure.</summary>
    public static readonly IReadOnlySet<string> InProgressReasons = new HashSet<string>(StringComparer.Ordinal)
    {
        "Spawning", "Converging", "Pending", "Fetching", "Downloading", "Verifying", "Waiting",
    };

    /// <summary>Reasons of a False Spawned that leave the guest as it was: a condition and an Event, not Error.</summary>
    public static readonly IReadOnlySet<string> RefusalReasons = new HashSet<string>(StringComparer.Ordinal)
    {
        "SuspendRefused", "InsufficientDiskForSuspend",
    };

    public bool Failed => FailureReason is not null;

    public static NodeReport Read(Server server)
    {
        ArgumentNullException.ThrowIfNull(server);
        var status = server.Status;
        var generation = server.Metadata.Generation;
        var spawned = Conditions.Find(status, SpawnedCondition);
        var image = Conditions.Find(status, ImageReadyCondition);
        string? failureReason = null;
        string? failureMessage = null;
        string? refusal = null;
        if (image is { Status: ConditionStatus.False } && !InProgressReasons.Contains(image.Reason))
        {
            failureReason = image.Reason;
            failureMessage = image.Message;
        }
        else if (spawned is { Status: ConditionStatus.False } && !InProgressReasons.Contains(spawned.Reason))
        {
            if (RefusalReasons.Contains(spawned.Reason))
            {
                refusal = $"{spawned.Reason}: {spawned.Message}";
            }
            else
            {
                failureReason = spawned.Reason;
                failureMessage = spawned.Message;
            }
        }

        var reboot = ValueOf(server.Metadata.Annotations, ApiGroup.RebootRequestedAtAnnotation);
        return new NodeReport(
            spawned is { Status: ConditionStatus.True } && spawned.ObservedGeneration == generation,
            status?.LaunchedAt is not null || spawned is { Status: ConditionStatus.True },
            status?.PowerState,
            failureReason,
            failureMessage,
            refusal,
            !string.IsNullOrEmpty(reboot) && reboot != status?.ObservedRebootRequest);
    }

    /// <summary>A label's or annotation's value, or null.</summary>
    public static string? ValueOf(IDictionary<string, string>? map, string key) => map is not null && map.TryGetValue(key, out var value) ? value : null;

    /// <summary>The phase the guest is in as libvirt reports it (Building until it was first spawned).</summary>
    public ServerPhase ObservedPhase => !Launched
        ? ServerPhase.Building
        : PowerState switch
        {
            ObservedPowerState.Shutoff or ObservedPowerState.Shutdown or ObservedPowerState.Crashed => ServerPhase.Stopped,
            ObservedPowerState.Paused => ServerPhase.Paused,
            ObservedPowerState.Suspended => ServerPhase.Suspended,
            _ => ServerPhase.Active,
        };

    /// <summary>The phase that a desired power state converges to.</summary>
    public static ServerPhase PhaseFor(DesiredPowerState desired) => desired switch
    {
        DesiredPowerState.Stopped => ServerPhase.Stopped,
        DesiredPowerState.Paused => ServerPhase.Paused,
        DesiredPowerState.Suspended => ServerPhase.Suspended,
        _ => ServerPhase.Active,
    };

    /// <summary>nova's task_state while the node converges the guest from its observed phase to the desired power state.</summary>
    public static ServerTaskState? PowerTask(ServerPhase observed, DesiredPowerState desired) => (observed, desired) switch
    {
        (ServerPhase.Building, _) => ServerTaskState.Spawning,
        (_, DesiredPowerState.Stopped) when observed != ServerPhase.Stopped => ServerTaskState.PoweringOff,
        (_, DesiredPowerState.Paused) when observed != ServerPhase.Paused => ServerTaskState.Pausing,
        (_, DesiredPowerState.Suspended) when observed != ServerPhase.Suspended => ServerTaskState.Suspending,
        (ServerPhase.Stopped, DesiredPowerState.Running) => ServerTaskState.PoweringOn,
        (ServerPhase.Paused, DesiredPowerState.Running) => ServerTaskState.Unpausing,
        (ServerPhase.Suspended, DesiredPowerState.Running) => ServerTaskState.Resuming,
        _ => null,
    };
}
