using KubeCloud.Scheduler.Configuration;

namespace KubeCloud.Scheduler.Tests;

public sealed class ConfigurationTests
{
    private static string ConfigMap(string settings) => $"""
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: kubecloud-scheduler
          namespace: kubecloud-system
          labels:
            app.kubernetes.io/name: kubecloud
        data:
          scheduler.yaml: |
        {string.Join("\n", settings.Split('\n').Select(l => "    " + l))}
        """;

    [Fact]
    public void Defaults_match_nova()
    {
        var options = SchedulerConfigLoader.LoadConfigMap(ConfigMap("{}"));
        Assert.Equal(SchedulerOptions.DefaultEnabledFilters, options.EnabledFilters);
        Assert.Equal((1, 1.0, 1.0, 1.0, -1.0, 0.0), (options.HostSubsetSize, options.RamWeightMultiplier, options.CpuWeightMultiplier, options.DiskWeightMultiplier, options.IoOpsWeightMultiplier, options.NumInstancesWeightMultiplier));
        Assert.Equal((4.0, 1.0, 1.0), (options.CpuAllocationRatio, options.RamAllocationRatio, options.DiskAllocationRatio));
        Assert.Equal((512L, 0L, 0), (options.ReservedHostMemoryMb, options.ReservedHostDiskMb, options.ReservedHostCpus));
        Assert.Equal((50, 8, 60, "nova"), (options.MaxInstancesPerHost, options.MaxIoOpsPerHost, options.ServiceDownTimeSeconds, options.DefaultAvailabilityZone));
        Assert.True(options.RestrictIsolatedHostsToIsolatedImages);
    }

    [Fact]
    public void Overrides_apply_and_the_rest_keeps_defaults()
    {
        var options = SchedulerConfigLoader.LoadConfigMap(ConfigMap("""
            enabledFilters: [ComputeFilter, RamFilter, JsonFilter]
            hostSubsetSize: 3
            ramWeightMultiplier: -1.5
            cpuAllocationRatio: 16.0
            isolatedHosts: [iso-1, iso-2]
            isolatedImages: [secure/golden]
            restrictIsolatedHostsToIsolatedImages: false
            """));
        Assert.Equal(["ComputeFilter", "RamFilter", "JsonFilter"], options.EnabledFilters);
        Assert.Equal((3, -1.5, 16.0), (options.HostSubsetSize, options.RamWeightMultiplier, options.CpuAllocationRatio));
        Assert.Equal(["iso-1", "iso-2"], options.IsolatedHosts);
        Assert.False(options.RestrictIsolatedHostsToIsolatedImages);
        Assert.Equal(1.0, options.DiskAllocationRatio);
    }

    [Theory]
    [InlineData("unknown filter", "enabledFilters: [ComputeFilter, RamFlter]", "unknown filter 'RamFlter'")]
    [InlineData("filter twice", "enabledFilters: [RamFilter, RamFilter]", "listed more than once: RamFilter")]
    [InlineData("unknown setting", "ramWeightMultipler: 2", "unknown setting")]
    [InlineData("zero ratio", "ramAllocationRatio: 0", "ramAllocationRatio must be a number greater than 0")]
    [InlineData("subset zero", "hostSubsetSize: 0", "hostSubsetSize must be at least 1")]
    [InlineData("wrong type", "hostSubsetSize: many", "scheduler settings are invalid")]
    public void Bad_settings_are_refused_with_a_clear_error(string name, string settings, string expected)
    {
        var error = Assert.Throws<SchedulerConfigException>(() => SchedulerConfigLoader.LoadConfigMap(ConfigMap(settings)));
        Assert.True(error.Message.Contains(expected, StringComparison.Ordinal), $"{name}: '{error.Message}' should say '{expected}'");
    }

    [Fact]
    public void A_configmap_without_the_data_key_is_refused()
    {
        var error = Assert.Throws<SchedulerConfigException>(() => SchedulerConfigLoader.LoadConfigMap(ConfigMap("{}"), "other.yaml"));
        Assert.Contains("ConfigMap 'kubecloud-scheduler' has no data key 'other.yaml'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Something_other_than_a_configmap_is_refused() =>
        Assert.Contains("must be a ConfigMap", Assert.Throws<SchedulerConfigException>(() => SchedulerConfigLoader.LoadConfigMap("kind: Secret\n")).Message, StringComparison.Ordinal);

    [Fact]
    public void The_scheduler_refuses_unknown_filters_too() =>
        Assert.Throws<SchedulerConfigException>(() => new FilterScheduler(new SchedulerOptions { EnabledFilters = ["NoSuchFilter"] }));
}
