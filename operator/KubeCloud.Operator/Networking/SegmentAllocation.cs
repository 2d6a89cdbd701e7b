namespace KubeCloud.Operator.Networking;

/// <summary>The outcome of <see cref="SegmentationIdAllocator.Allocate"/>: a VNI, or why none.</summary>
public readonly record struct SegmentAllocation(int? SegmentationId, string? Refusal)
{
    public bool Succeeded => SegmentationId is not null;

    public static SegmentAllocation Allocated(int vni) => new(vni, null);

    public static SegmentAllocation Refused(string reason) => new(null, reason);
}
