namespace KubeCloud.Api.V1Alpha1;

/// <summary>
/// meta.SetStatusCondition and friends for KubeCloud statuses (<see cref="IHasConditions"/>), beside the one
/// <see cref="Condition"/> type, so the operator, the scheduler and the node daemon share them: one condition per type;
/// lastTransitionTime moves only when the status changes; reason, message and observedGeneration are always brought
/// up to date.
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

    /// <summary>
    /// Copies of the status's conditions (only the types <paramref name="include"/> accepts, when given), to build the
    /// next status of one writer without touching a cached object and keeping lastTransitionTime.
    /// </summary>
    public static List<Condition> CopyOf(IHasConditions? status, Func<string, bool>? include = null) =>
        [.. (status?.Conditions ?? []).Where(c => include?.Invoke(c.Type) ?? true).Select(c => new Condition
        {
            Type = c.Type,
            Status = c.Status,
            ObservedGeneration = c.ObservedGeneration,
            LastTransitionTime = c.LastTransitionTime,
            Reason = c.Reason,
            Message = c.Message,
        })];

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
