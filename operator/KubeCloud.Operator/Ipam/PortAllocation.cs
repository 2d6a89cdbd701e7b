namespace KubeCloud.Operator.Ipam;

/// <summary>The outcome of <see cref="NetworkAddressAllocator.Allocate"/>: the port's addresses, or the refusal.</summary>
public sealed record PortAllocation(PortAddresses? Addresses, FieldError? Error)
{
    public bool Succeeded => Addresses is not null;

    public static PortAllocation Allocated(PortAddresses addresses) => new(addresses, null);

    public static PortAllocation Refused(FieldError error) => new(null, error);
}
