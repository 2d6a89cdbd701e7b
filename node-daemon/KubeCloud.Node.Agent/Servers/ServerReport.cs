using KubeCloud.Api.V1Alpha1;
using KubeCloud.Node.Compute;
using HostHypervisorType = KubeCloud.Node.Hypervisor.HypervisorType;

namespace KubeCloud.Node.Agent.Servers;

/// <summary>
/// The node's fields of a Server's status, and nothing else: <c>powerState</c>, <c>hypervisorType</c>,
/// <c>launchedAt</c>, <c>observedRebootRequest</c>, conditions <c>ImageReady</c> and <c>Spawned</c>. Every report
/// carries all of them (a field the node leaves out of its apply would be removed), starting from what the status
/// holds, so transition times and <c>launchedAt</c> are kept.
/// </summary>
public static class ServerReport
{
    private static readonly string[] OwnedConditions = [ServerReasons.ImageReady, ServerReasons.Spawned];

    /// <summary>After a pass of the converger.</summary>
    public static ServerStatus Of(Server server, InstanceRequest request, InstanceObservation observation, HostHypervisorType hypervisor, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(observation);
        var status = Start(server, observation.PowerState, hypervisor);
        var generation = server.Metadata.Generation;
        if (request.Image is { } image)
        {
            Conditions.Set(status, ServerReasons.ImageReady, ConditionStatus.True, ServerReasons.ImageCached, $"image {image.Url} cached and verified (sha256 {image.Sha256})", generation, now);
        }

        if (observation.Refusal is { } refusal)
        {
            Conditions.Set(status, ServerReasons.Spawned, ConditionStatus.False, ServerReasons.SuspendRefused, refusal, generation, now);
        }
        else if (observation.Converged && ResizeNotPlaced(server) is { } waiting)
        {
            // The spec names a new flavor the operator has not placed yet (status.flavor is still the old one): the
            // domain is right for status.flavor, but Spawned True for this generation would read as "resized".
            Conditions.Set(status, ServerReasons.Spawned, ConditionStatus.False, ServerReasons.Waiting, waiting, generation, now);
        }
        else if (observation.Converged)
        {
            Conditions.Set(status, ServerReasons.Spawned, ConditionStatus.True, ServerReasons.Converged, $"domain defined and {observation.PowerState}", generation, now);
        }
        else
        {
            Conditions.Set(status, ServerReasons.Spawned, ConditionStatus.False, ServerReasons.Spawning, $"domain is {observation.PowerState}, wanted {request.Power}", generation, now);
        }

        if (status.LaunchedAt is null && observation.Converged && observation.PowerState == ObservedPowerState.Running)
        {
            status.LaunchedAt = Truncate(now);
        }

        status.ObservedRebootRequest = request.RebootRequestedAt ?? status.ObservedRebootRequest;
        return Finish(status);
    }

    /// <summary>Why a changed flavorRef is not yet this node's to apply, or null when status.flavor is the spec's flavor.</summary>
    public static string? ResizeNotPlaced(Server server)
    {
        ArgumentNullException.ThrowIfNull(server);
        return server.Status?.Flavor is { } placed && placed.Name != server.Spec.FlavorRef.Name
            ? $"waiting for the operator to place flavor {server.Spec.FlavorRef.Name} (status.flavor is still {placed.Name})"
            : null;
    }

    /// <summary>A step failed: an image failure is ImageReady False, any later step Spawned False, each with its reason.</summary>
    public static ServerStatus Failed(Server server, InstanceStepException failure, ObservedPowerState? power, HostHypervisorType hypervisor, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(failure);
        var status = Start(server, power, hypervisor);
        var generation = server.Metadata.Generation;
        switch (failure.Step)
        {
            case InstanceStep.Image:
                var reason = failure.Message.Contains("mismatch", StringComparison.OrdinalIgnoreCase) ? ServerReasons.ImageChecksumMismatch : ServerReasons.ImageUnreachable;
                Conditions.Set(status, ServerReasons.ImageReady, ConditionStatus.False, reason, failure.Message, generation, now);
                Conditions.Set(status, ServerReasons.Spawned, ConditionStatus.False, ServerReasons.Spawning, "waiting for the image", generation, now);
                break;
            case InstanceStep.Volumes:
                Conditions.Set(status, ServerReasons.Spawned, ConditionStatus.False, ServerReasons.VolumeAttachFailed, failure.Message, generation, now);
                break;
            default:
                Conditions.Set(status, ServerReasons.Spawned, ConditionStatus.False, ServerReasons.SpawnFailed, failure.Message, generation, now);
                break;
        }

        return Finish(status);
    }

    /// <summary>The server cannot be built yet (waiting for the operator) or at all on this node: Spawned False with the reason.</summary>
    public static ServerStatus Blocked(Server server, string reason, string message, ObservedPowerState? power, HostHypervisorType hypervisor, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(server);
        var status = Start(server, power, hypervisor);
        Conditions.Set(status, ServerReasons.Spawned, ConditionStatus.False, reason, message, server.Metadata.Generation, now);
        return Finish(status);
    }

    /// <summary>Whether applying <paramref name="next"/> would change any of the node's fields of <paramref name="current"/>.</summary>
    public static bool Differs(ServerStatus? current, ServerStatus next)
    {
        ArgumentNullException.ThrowIfNull(next);
        if (current is null)
        {
            return true;
        }

        if (current.PowerState != next.PowerState || current.HypervisorType != next.HypervisorType || current.LaunchedAt != next.LaunchedAt
            || current.ObservedRebootRequest != next.ObservedRebootRequest)
        {
            return true;
        }

        return OwnedConditions.Any(type =>
        {
            var a = Conditions.Find(current, type);
            var b = Conditions.Find(next, type);
            return a is null != b is null || (a is not null && b is not null &&
                (a.Status != b.Status || a.Reason != b.Reason || a.Message != b.Message || a.ObservedGeneration != b.ObservedGeneration));
        });
    }

    private static ServerStatus Start(Server server, ObservedPowerState? power, HostHypervisorType hypervisor)
    {
        var current = server.Status;
        return new ServerStatus
        {
            PowerState = power,
            HypervisorType = hypervisor == HostHypervisorType.Kvm ? HypervisorType.Kvm : HypervisorType.Qemu,
            LaunchedAt = current?.LaunchedAt,
            ObservedRebootRequest = current?.ObservedRebootRequest,
            Conditions = [.. (current?.Conditions ?? []).Where(c => OwnedConditions.Contains(c.Type)).Select(Copy)],
        };
    }

    /// <summary><see cref="Conditions.Set"/> records observedGeneration on the status too; that field is the operator's.</summary>
    private static ServerStatus Finish(ServerStatus status)
    {
        status.ObservedGeneration = null;
        return status;
    }

    private static Condition Copy(Condition c) => new()
    {
        Type = c.Type,
        Status = c.Status,
        Reason = c.Reason,
        Message = c.Message,
        ObservedGeneration = c.ObservedGeneration,
        LastTransitionTime = c.LastTransitionTime,
    };

    private static DateTimeOffset Truncate(DateTimeOffset now) => new(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), now.Offset);
}
