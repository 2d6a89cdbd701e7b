namespace KubeCloud.Operator.Volumes;

/// <summary>
/// One storage node as cinder-scheduler's HostState sees a backend: capacity in GiB as the node
/// daemon reports it (<see cref="TotalCapacityGb"/> and <see cref="FreeCapacityGb"/>; null is
/// cinder's "unknown"), what volumes placed there have been promised
/// (<see cref="ProvisionedCapacityGb"/>, counted from the Volumes), and the admin's knobs.
/// </summary>
public sealed record StorageBackend
{
    /// <summary>The node's name (Volume.status.backendNode).</summary>
    public required string Name { get; init; }

    public double? TotalCapacityGb { get; init; }

    public double? FreeCapacityGb { get; init; }

    /// <summary>Sum of the sizes of the volumes placed here (cinder's provisioned_capacity_gb).</summary>
    public double ProvisionedCapacityGb { get; init; }

    /// <summary>Share of the total kept free, 0..100 (cinder's reserved_percentage).</summary>
    public double ReservedPercentage { get; init; }

    /// <summary>Whether the backend thin-provisions (LVM thin pools, sparse files).</summary>
    public bool ThinProvisioningSupport { get; init; } = true;

    /// <summary>Provisioned over total the backend may reach when thin (cinder's max_over_subscription_ratio, default 20).</summary>
    public double MaxOverSubscriptionRatio { get; init; } = 20.0;

    /// <summary>Volume types the backend serves (from its node's labels); empty serves only the default type.</summary>
    public IReadOnlySet<string> VolumeTypes { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Whether the node daemon's storage role reports in (cinder's service up).</summary>
    public bool Ready { get; init; } = true;

    /// <summary>Taken out of placement by an admin (cinder's service disabled).</summary>
    public bool Disabled { get; init; }

    /// <summary>The backend after a volume of <paramref name="sizeGb"/> is placed on it, so the next placement sees it (cinder's consume_from_volume).</summary>
    public StorageBackend Consume(double sizeGb) => this with
    {
        ProvisionedCapacityGb = ProvisionedCapacityGb + sizeGb,
        FreeCapacityGb = FreeCapacityGb is { } free ? free - sizeGb : null,
    };
}
