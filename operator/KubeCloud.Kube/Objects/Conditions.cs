using KubeCloud.Api.V1Alpha1;
using KubeCloud.Kube.Models;

namespace KubeCloud.Kube.Objects;

/// <summary>
/// meta.SetStatusCondition for KubeCloud statuses (<see cref="IHasConditions"/>) and metav1-shaped lists
/// (<see cref="V1Condition"/>): one condition per type; lastTransitionTime moves only when the status changes;
/// reason, message and observedGeneration are always brought up to date.
/// </summary>
public static class Conditions
{
    /// <summary>Sets a condition on a KubeCloud status and its observedGeneration; returns true when anything changed.</summary>
    public static bool Set(IHasConditions status, string type, ConditionStatus value, string reason, string? message, long? generation, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(status);
        var list = status.Conditions ??= [];
        var changed = false;
        var existing = list.Find(c => c.Type == type);
        if (existing is null)
        {
            list.Add(new Condition { Type = type, Status = value, Reason = reason, Message = message, ObservedGeneration = generation, LastTransitionTime = Truncate(now) });
            changed = true;
        }
        else
        {
            if (existing.Status != value)
            {
                existing.Status = value;
                existing.LastTransitionTime = Truncate(now);
                changed = true;
            }

            changed |= existing.Reason != reason || existing.Message != message || existing.ObservedGeneration != generation;
            existing.Reason = reason;
            existing.Message = message;
            existing.ObservedGeneration = generation;
        }

        if (generation is not null && status.ObservedGeneration != generation)
        {
            status.ObservedGeneration = generation;
            changed = true;
        }

        return changed;
    }

    /// <summary>Sets a condition in a metav1.Condition list; returns true when anything changed.</summary>
    public static bool Set(List<V1Condition> conditions, string type, string value, string reason, string? message, long? generation, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        var existing = conditions.Find(c => c.Type == type);
        if (existing is null)
        {
            conditions.Add(new V1Condition { Type = type, Status = value, Reason = reason, Message = message, ObservedGeneration = generation, LastTransitionTime = Truncate(now) });
            return true;
        }

        var changed = false;
        if (existing.Status != value)
        {
            existing.Status = value;
            existing.LastTransitionTime = Truncate(now);
            changed = true;
        }

        changed |= existing.Reason != reason || existing.Message != message || existing.ObservedGeneration != generation;
        existing.Reason = reason;
        existing.Message = message;
        existing.ObservedGeneration = generation;
        existing.LastTransitionTime ??= Truncate(now);
        return changed;
    }

    public static Condition? Find(IHasConditions? status, string type) => status?.Conditions?.Find(c => c.Type == type);

    public static bool IsTrue(IHasConditions? status, string type) => Find(status, type)?.Status == ConditionStatus.True;

    /// <summary>True when the condition is True and was set for the current generation.</summary>
    public static bool IsTrueFor(IHasConditions? status, string type, long? generation) =>
        Find(status, type) is { Status: ConditionStatus.True } c && c.ObservedGeneration == generation;

    public static bool Remove(IHasConditions status, string type)
    {
        ArgumentNullException.ThrowIfNull(status);
        return status.Conditions?.RemoveAll(c => c.Type == type) > 0;
    }

    // metav1.Time has second precision on the wire; keep the in-memory value equal to what a read returns.
    private static DateTimeOffset Truncate(DateTimeOffset now) => new(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), now.Offset);
}
