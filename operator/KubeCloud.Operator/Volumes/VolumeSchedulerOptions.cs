namespace KubeCloud.Operator.Volumes;

/// <summary>cinder-scheduler's options, with cinder's defaults.</summary>
public sealed record VolumeSchedulerOptions
{
    /// <summary>cinder's capacity_weight_multiplier: positive spreads to the most free capacity, negative stacks.</summary>
    public double CapacityWeightMultiplier { get; init; } = 1.0;
}
