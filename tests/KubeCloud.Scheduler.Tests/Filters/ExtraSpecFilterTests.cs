using KubeCloud.Api.V1Alpha1;
using KubeCloud.Scheduler.Filters;
using KubeCloud.Scheduler.Requests;
using KubeCloud.Scheduler.Tests.Fixtures;
using static KubeCloud.Scheduler.Tests.Fixtures.HostStateBuilder;
using static KubeCloud.Scheduler.Tests.Fixtures.RequestBuilder;

namespace KubeCloud.Scheduler.Tests.Filters;

public sealed class ExtraSpecOperatorTests
{
    [Theory]
    [InlineData("plain equal", "ssd", "ssd", true)]
    [InlineData("plain not equal", "hdd", "ssd", false)]
    [InlineData("= is numeric at least", "4", "= 2", true)]
    [InlineData("= equal numbers", "2", "= 2", true)]
    [InlineData("= below", "1", "= 2", false)]
    [InlineData("= not a number", "abc", "= 2", false)]
    [InlineData("== numeric", "2.0", "== 2", true)]
    [InlineData("== numeric differs", "3", "== 2", false)]
    [InlineData("!= numeric", "3", "!= 2", true)]
    [InlineData(">= numeric", "1024", ">= 512", true)]
    [InlineData(">= numeric below", "256", ">= 512", false)]
    [InlineData("<= numeric", "256", "<= 512", true)]
    [InlineData("<= numeric above", "1024", "<= 512", false)]
    [InlineData("s== string", "kvm", "s== kvm", true)]
    [InlineData("s== is not numeric", "2.0", "s== 2", false)]
    [InlineData("s!= string", "qemu", "s!= kvm", true)]
    [InlineData("s< ordinal", "abc", "s< abd", true)]
    [InlineData("s<= ordinal equal", "abc", "s<= abc", true)]
    [InlineData("s> ordinal", "b", "s> a", true)]
    [InlineData("s> ordinal is not numeric", "10", "s> 9", false)]
    [InlineData("s>= ordinal", "a", "s>= b", false)]
    [InlineData("<in> substring", "Skylake-Server", "<in> Sky", true)]
    [InlineData("<in> missing", "Haswell", "<in> Sky", false)]
    [InlineData("<all-in> all present", "avx avx2 sse4", "<all-in> avx2 sse4", true)]
    [InlineData("<all-in> one missing", "avx avx2", "<all-in> avx2 sse4", false)]
    [InlineData("<or> first", "kvm", "<or> kvm <or> qemu", true)]
    [InlineData("<or> second", "qemu", "<or> kvm <or> qemu", true)]
    [InlineData("<or> none", "xen", "<or> kvm <or> qemu", false)]
    [InlineData("operator without operand", "4", ">=", false)]
    public void Matches_a_value_as_nova_does(string name, string value, string requirement, bool matches)
    {
        var spec = ExtraSpecRequirement.Parse("key", "key", requirement);
        Assert.True(spec.Matches(value) == matches, $"{name}: '{value}' against '{requirement}'");
    }

    [Theory]
    [InlineData("<in> member", "<in> avx2", true)]
    [InlineData("<in> not a member", "<in> avx512f", false)]
    [InlineData("<all-in> members", "<all-in> avx2 sse4_2", true)]
    [InlineData("<all-in> one missing", "<all-in> avx2 avx512f", false)]
    [InlineData("<or> one member", "<or> avx512f <or> avx2", true)]
    [InlineData("s== never matches a list", "s== avx2", false)]
    public void Matches_a_list_by_membership(string name, string requirement, bool matches)
    {
        var spec = ExtraSpecRequirement.Parse("key", "key", requirement);
        Assert.True(spec.Matches(new HashSet<string> { "avx2", "sse4_2" }) == matches, name);
    }

    [Fact]
    public void A_missing_value_never_matches_an_operator() =>
        Assert.False(ExtraSpecRequirement.Parse("k", "k", "s== x").Matches((string?)null));
}

public sealed class ComputeCapabilitiesFilterTests
{
    public static FilterCases Cases => new()
    {
        { "no extra specs", Host(), Request(), true },
        { "hypervisor type", Host(), Request().WithExtraSpec("capabilities:hypervisor_type", "s== kvm"), true },
        { "hypervisor type differs", Host().WithHypervisorType(HypervisorType.Qemu), Request().WithExtraSpec("capabilities:hypervisor_type", "kvm"), false },
        { "unreported hypervisor type", Host().WithHypervisorType(null), Request().WithExtraSpec("capabilities:hypervisor_type", "s== kvm"), false },
        { "numeric vcpus_total", Host().WithVcpus(32), Request().WithExtraSpec("capabilities:vcpus_total", ">= 16"), true },
        { "numeric vcpus_total too small", Host().WithVcpus(8), Request().WithExtraSpec("capabilities:vcpus_total", ">= 16"), false },
        { "cpu features all in", Host().WithCpu("Icelake", "Intel", CpuArchitecture.X8664, "avx2", "avx512f"), Request().WithExtraSpec("capabilities:cpu_info:features", "<all-in> avx2 avx512f"), true },
        { "cpu feature missing", Host().WithCpu("Haswell", "Intel", CpuArchitecture.X8664, "avx2"), Request().WithExtraSpec("capabilities:cpu_info:features", "<in> avx512f"), false },
        { "cpu model", Host().WithCpu("EPYC-Milan", "AMD"), Request().WithExtraSpec("capabilities:cpu_info:model", "<in> EPYC"), true },
        { "unknown capability fails, as nova's missing attribute", Host(), Request().WithExtraSpec("capabilities:gpu_count", ">= 1"), false },
        { "unscoped key is a capability too", Host(), Request().WithExtraSpec("hypervisor_type", "kvm"), true },
        { "other scopes are ignored", Host(), Request().WithExtraSpec("hw:cpu_policy", "dedicated"), true },
        { "aggregate scope is ignored", Host(), Request().WithExtraSpec("aggregate_instance_extra_specs:ssd", "true"), true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_host_capabilities(FilterCase c) => FilterAssert.Verdict(new ComputeCapabilitiesFilter(), c);
}

public sealed class AggregateInstanceExtraSpecsFilterTests
{
    public static FilterCases Cases => new()
    {
        { "no extra specs", Host(), Request(), true },
        { "label matches", Host().WithLabel("ssd", "true"), Request().WithExtraSpec("aggregate_instance_extra_specs:ssd", "true"), true },
        { "label differs", Host().WithLabel("ssd", "false"), Request().WithExtraSpec("aggregate_instance_extra_specs:ssd", "true"), false },
        { "missing label", Host(), Request().WithExtraSpec("aggregate_instance_extra_specs:ssd", "true"), false },
        { "label keys with prefixes", Host().WithLabel("kubecloud.io/gpu", "a100"), Request().WithExtraSpec("aggregate_instance_extra_specs:kubecloud.io/gpu", "<or> a100 <or> h100"), true },
        { "numeric operator on a label", Host().WithLabel("nic-gbps", "25"), Request().WithExtraSpec("aggregate_instance_extra_specs:nic-gbps", ">= 10"), true },
        { "string operator on a label", Host().WithLabel("tier", "gold"), Request().WithExtraSpec("aggregate_instance_extra_specs:tier", "s!= gold"), false },
        { "unscoped key is matched against labels", Host().WithLabel("ssd", "true"), Request().WithExtraSpec("ssd", "true"), true },
        { "unscoped key missing on the host", Host(), Request().WithExtraSpec("ssd", "true"), false },
        { "capabilities scope is ignored", Host(), Request().WithExtraSpec("capabilities:hypervisor_type", "kvm"), true },
        { "every spec must match", Host().WithLabel("ssd", "true"), Request().WithExtraSpec("aggregate_instance_extra_specs:ssd", "true").WithExtraSpec("aggregate_instance_extra_specs:gpu", "true"), false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_node_labels(FilterCase c) => FilterAssert.Verdict(new AggregateInstanceExtraSpecsFilter(), c);
}

public sealed class ImagePropertiesFilterTests
{
    public static FilterCases Cases => new()
    {
        { "image without properties", Host(), Request().WithImage("demo/cirros"), true },
        { "architecture matches", Host(), Request().WithImage("demo/cirros", CpuArchitecture.X8664), true },
        { "architecture differs", Host().WithCpu(architecture: CpuArchitecture.Aarch64), Request().WithImage("demo/cirros", CpuArchitecture.X8664), false },
        { "host has not reported its architecture", Host().WithCpu(architecture: null), Request().WithImage("demo/cirros", CpuArchitecture.X8664), false },
        { "hypervisor type matches", Host(), Request().WithImage("demo/cirros", type: HypervisorType.Kvm), true },
        { "hypervisor type differs", Host().WithHypervisorType(HypervisorType.Qemu), Request().WithImage("demo/cirros", type: HypervisorType.Kvm), false },
        { "boot from volume", Host(), Request(), true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_image_properties(FilterCase c) => FilterAssert.Verdict(new ImagePropertiesFilter(), c);
}
