namespace KubeCloud.Operator.Admission;

/// <summary>Names of the admission rules, as <see cref="FieldError.Rule"/> carries them.</summary>
public static class AdmissionRules
{
    public const string ReferenceExists = "ReferenceExists";
    public const string NetworkAccess = "NetworkAccess";
    public const string ImageAccess = "ImageAccess";
    public const string ImageUsable = "ImageUsable";
    public const string FlavorAccess = "FlavorAccess";
    public const string FlavorMemoryTooSmall = "FlavorMemoryTooSmall";
    public const string FlavorDiskSmallerThanMinDisk = "FlavorDiskSmallerThanMinDisk";

    /// <summary>A resize to a flavor whose root disk is smaller than the server's (nova's "Unable to resize disk down").</summary>
    public const string ResizeDiskDown = "ResizeDiskDown";
    public const string AdminOnly = "AdminOnly";

    /// <summary>A node daemon writing another node's Hypervisor or Servers (<see cref="NodeRestriction"/>).</summary>
    public const string NodeRestriction = "NodeRestriction";
    public const string QuotaExceeded = "QuotaExceeded";
    public const string VolumeInUse = "VolumeInUse";
    public const string VolumeUsable = "VolumeUsable";
    public const string VolumeSizeNotSmaller = "VolumeSizeNotSmaller";
    public const string MultiattachInUse = "MultiattachInUse";
    public const string PortInUse = "PortInUse";
    public const string SegmentationIdFree = "SegmentationIdFree";
    public const string SubnetInUse = "SubnetInUse";
    public const string NetworkInUse = "NetworkInUse";
    public const string QuotaValid = "QuotaValid";
}
