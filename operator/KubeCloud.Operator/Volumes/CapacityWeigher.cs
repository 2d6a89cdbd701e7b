namespace KubeCloud.Operator.Volumes;

/// <summary>
/// cinder's CapacityWeigher (<c>cinder/scheduler/weights/capacity.py</c>): the backend's free
/// capacity, virtual on a thin backend (total times the over-subscription ratio, less what is
/// provisioned and reserved), real on a thick one (free less reserved). A positive multiplier
/// (cinder's default 1.0) spreads volumes to the emptiest backend; a negative one stacks them.
/// An unknown capacity is an infinite raw weight that puts the backend last when spreading and
/// first when stacking, as in cinder; the pipeline clamps infinities next to the finite weights.
/// </summary>
public sealed class CapacityWeigher(double multiplier = 1.0) : IBackendWeigher
{
    public const string WeigherName = "CapacityWeigher";

    public string Name => WeigherName;

    public double Multiplier => multiplier;

    public double Weigh(StorageBackend backend, VolumePlacementRequest request)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(request);
        if (backend.TotalCapacityGb is not { } total || backend.FreeCapacityGb is not { } free)
        {
            return multiplier > 0 ? double.NegativeInfinity : double.PositiveInfinity;
        }

        var reserved = Math.Floor(total * backend.ReservedPercentage / 100);
        return !request.Thick && backend.ThinProvisioningSupport
            ? (total * backend.MaxOverSubscriptionRatio) - backend.ProvisionedCapacityGb - reserved
            : Math.Floor(free - reserved);
    }
}
