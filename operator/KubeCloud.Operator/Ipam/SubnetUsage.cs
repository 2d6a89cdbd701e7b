namespace KubeCloud.Operator.Ipam;

/// <summary>Addresses held and addresses in the allocation pools of one subnet.</summary>
public readonly record struct SubnetUsage(string Subnet, long Used, UInt128 PoolSize);
