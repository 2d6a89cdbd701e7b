using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace KubeCloud.Scheduler.Configuration;

/// <summary>
/// Loads <see cref="SchedulerOptions"/> from a ConfigMap whose data key (by default
/// <c>scheduler.yaml</c>) holds the settings as YAML, nova's option names in camelCase:
/// <code>
/// apiVersion: v1
/// kind: ConfigMap
/// metadata: { name: kubecloud-scheduler, namespace: kubecloud-system }
/// data:
///   scheduler.yaml: |
///     enabledFilters: [RetryFilter, ComputeFilter, RamFilter, CoreFilter, DiskFilter]
///     ramWeightMultiplier: -1.0   # stack instead of spread
///     hostSubsetSize: 2
/// </code>
/// Settings left out keep nova's defaults. Unknown settings and unknown filter names are refused
/// with a <see cref="SchedulerConfigException"/> that names them.
/// <para>
/// The weigher multipliers here are the defaults; as nova reads <c>ram_weight_multiplier</c> and the
/// others from host aggregate metadata, a node (Hypervisor) label overrides one for that host:
/// <c>kubecloud.io/ram-weight-multiplier: "neg1.0"</c> (-1.0; a label value cannot start with '-'),
/// <c>kubecloud.io/cpu-weight-multiplier</c>, <c>disk-</c>, <c>io-ops-</c>, <c>num-instances-</c>,
/// <c>soft-affinity-</c>, <c>soft-anti-affinity-weight-multiplier</c>; with one label per aggregate
/// (<c>kubecloud.io/ram-weight-multiplier.gpu-pool</c>) the smallest value wins. See
/// <see cref="Hosts.WeightMultiplierLabels"/> and the scheduler README.
/// </para>
/// </summary>
public static class SchedulerConfigLoader
{
    /// <summary>The ConfigMap data key the settings live under by default.</summary>
    public const string DefaultDataKey = "scheduler.yaml";

    private static readonly IDeserializer ConfigMapReader = new DeserializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .IgnoreUnmatchedProperties()
        .Build();

    private static readonly IDeserializer SettingsReader = new DeserializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .Build();

    /// <summary>Reads a ConfigMap file.</summary>
    public static SchedulerOptions LoadFile(string path, string dataKey = DefaultDataKey) =>
        LoadConfigMap(File.ReadAllText(path), dataKey);

    /// <summary>Reads the settings from a ConfigMap's YAML.</summary>
    public static SchedulerOptions LoadConfigMap(string configMapYaml, string dataKey = DefaultDataKey)
    {
        ArgumentNullException.ThrowIfNull(configMapYaml);
        ConfigMapDocument? document;
        try
        {
            document = ConfigMapReader.Deserialize<ConfigMapDocument?>(configMapYaml);
        }
        catch (YamlException e)
        {
            throw new SchedulerConfigException($"scheduler ConfigMap is not valid YAML ({Where(e)}): {Innermost(e).Message}", e);
        }

        if (document is null || document.Kind != "ConfigMap")
        {
            throw new SchedulerConfigException($"scheduler configuration must be a ConfigMap (kind: ConfigMap), got kind '{document?.Kind}'");
        }

        if (document.Data is null || !document.Data.TryGetValue(dataKey, out var settings))
        {
            var name = document.Metadata?.Name ?? "(unnamed)";
            throw new SchedulerConfigException($"ConfigMap '{name}' has no data key '{dataKey}' holding the scheduler settings");
        }

        return LoadSettings(settings);
    }

    /// <summary>Reads the settings YAML itself (the value of the ConfigMap's data key).</summary>
    public static SchedulerOptions LoadSettings(string settingsYaml)
    {
        ArgumentNullException.ThrowIfNull(settingsYaml);
        SettingsDocument? settings;
        try
        {
            settings = SettingsReader.Deserialize<SettingsDocument?>(settingsYaml);
        }
        catch (YamlException e)
        {
            var message = Innermost(e).Message;
            if (message.Contains("not found on type", StringComparison.Ordinal))
            {
                message = $"unknown setting; known settings are {string.Join(", ", SettingsDocument.Names)}";
            }

            throw new SchedulerConfigException($"scheduler settings are invalid ({Where(e)}): {message}", e);
        }

        var options = settings?.ToOptions() ?? SchedulerOptions.Default;
        options.Validate();
        return options;
    }

    private static string Where(YamlException e) => $"line {e.Start.Line}, column {e.Start.Column}";

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }

    private sealed class ConfigMapDocument
    {
        public string? ApiVersion { get; set; }

        public string? Kind { get; set; }

        public ConfigMapMetadata? Metadata { get; set; }

        public Dictionary<string, string>? Data { get; set; }
    }

    private sealed class ConfigMapMetadata
    {
        public string? Name { get; set; }

        public string? Namespace { get; set; }
    }

    private sealed class SettingsDocument
    {
        public static readonly string[] Names =
        [
            "enabledFilters", "hostSubsetSize", "ramWeightMultiplier", "cpuWeightMultiplier", "diskWeightMultiplier",
            "ioOpsWeightMultiplier", "numInstancesWeightMultiplier", "softAffinityWeightMultiplier",
            "softAntiAffinityWeightMultiplier", "cpuAllocationRatio", "ramAllocationRatio", "diskAllocationRatio",
            "reservedHostMemoryMb", "reservedHostDiskMb", "reservedHostCpus", "maxInstancesPerHost", "maxIoOpsPerHost",
            "isolatedHosts", "isolatedImages", "restrictIsolatedHostsToIsolatedImages", "serviceDownTimeSeconds",
            "defaultAvailabilityZone", "reportedTopHosts", "allowResizeToSameHost",
        ];

        public List<string>? EnabledFilters { get; set; }

        public int? HostSubsetSize { get; set; }

        public double? RamWeightMultiplier { get; set; }

        public double? CpuWeightMultiplier { get; set; }

        public double? DiskWeightMultiplier { get; set; }

        public double? IoOpsWeightMultiplier { get; set; }

        public double? NumInstancesWeightMultiplier { get; set; }

        public double? SoftAffinityWeightMultiplier { get; set; }

        public double? SoftAntiAffinityWeightMultiplier { get; set; }

        public double? CpuAllocationRatio { get; set; }

        public double? RamAllocationRatio { get; set; }

        public double? DiskAllocationRatio { get; set; }

        public long? ReservedHostMemoryMb { get; set; }

        public long? ReservedHostDiskMb { get; set; }

        public int? ReservedHostCpus { get; set; }

        public int? MaxInstancesPerHost { get; set; }

        public int? MaxIoOpsPerHost { get; set; }

        public List<string>? IsolatedHosts { get; set; }

        public List<string>? IsolatedImages { get; set; }

        public bool? RestrictIsolatedHostsToIsolatedImages { get; set; }

        public int? ServiceDownTimeSeconds { get; set; }

        public string? DefaultAvailabilityZone { get; set; }

        public int? ReportedTopHosts { get; set; }

        public bool? AllowResizeToSameHost { get; set; }

        public SchedulerOptions ToOptions()
        {
            var d = SchedulerOptions.Default;
            return new SchedulerOptions
            {
                EnabledFilters = EnabledFilters ?? d.EnabledFilters,
                HostSubsetSize = HostSubsetSize ?? d.HostSubsetSize,
                RamWeightMultiplier = RamWeightMultiplier ?? d.RamWeightMultiplier,
                CpuWeightMultiplier = CpuWeightMultiplier ?? d.CpuWeightMultiplier,
                DiskWeightMultiplier = DiskWeightMultiplier ?? d.DiskWeightMultiplier,
                IoOpsWeightMultiplier = IoOpsWeightMultiplier ?? d.IoOpsWeightMultiplier,
                NumInstancesWeightMultiplier = NumInstancesWeightMultiplier ?? d.NumInstancesWeightMultiplier,
                SoftAffinityWeightMultiplier = SoftAffinityWeightMultiplier ?? d.SoftAffinityWeightMultiplier,
                SoftAntiAffinityWeightMultiplier = SoftAntiAffinityWeightMultiplier ?? d.SoftAntiAffinityWeightMultiplier,
                CpuAllocationRatio = CpuAllocationRatio ?? d.CpuAllocationRatio,
                RamAllocationRatio = RamAllocationRatio ?? d.RamAllocationRatio,
                DiskAllocationRatio = DiskAllocationRatio ?? d.DiskAllocationRatio,
                ReservedHostMemoryMb = ReservedHostMemoryMb ?? d.ReservedHostMemoryMb,
                ReservedHostDiskMb = ReservedHostDiskMb ?? d.ReservedHostDiskMb,
                ReservedHostCpus = ReservedHostCpus ?? d.ReservedHostCpus,
                MaxInstancesPerHost = MaxInstancesPerHost ?? d.MaxInstancesPerHost,
                MaxIoOpsPerHost = MaxIoOpsPerHost ?? d.MaxIoOpsPerHost,
                IsolatedHosts = IsolatedHosts ?? d.IsolatedHosts,
                IsolatedImages = IsolatedImages ?? d.IsolatedImages,
                RestrictIsolatedHostsToIsolatedImages = RestrictIsolatedHostsToIsolatedImages ?? d.RestrictIsolatedHostsToIsolatedImages,
                ServiceDownTimeSeconds = ServiceDownTimeSeconds ?? d.ServiceDownTimeSeconds,
                DefaultAvailabilityZone = DefaultAvailabilityZone ?? d.DefaultAvailabilityZone,
                ReportedTopHosts = ReportedTopHosts ?? d.ReportedTopHosts,
                AllowResizeToSameHost = AllowResizeToSameHost ?? d.AllowResizeToSameHost,
            };
        }
    }
}
