namespace KubeCloud.ControllerRuntime.IntegrationTests;

/// <summary>Tests whose assertions involve wall-clock bounds (leases): they run alone, not beside other test classes.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingCollection
{
    public const string Name = "timing";
}
