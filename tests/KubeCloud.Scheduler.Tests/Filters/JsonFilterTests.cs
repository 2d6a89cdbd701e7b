using KubeCloud.Api.V1Alpha1;
using KubeCloud.Scheduler.Filters;
using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;
using KubeCloud.Scheduler.Tests.Fixtures;
using static KubeCloud.Scheduler.Tests.Fixtures.HostStateBuilder;
using static KubeCloud.Scheduler.Tests.Fixtures.RequestBuilder;

namespace KubeCloud.Scheduler.Tests.Filters;

public sealed class JsonFilterTests
{
    // free_ram_mb = 8192 - 512 - 1024 = 6656; vcpus 16 total, 4 used; 3 instances; kvm; host "compute-1".
    private static readonly HostState Subject = Host("compute-1")
        .WithMemory(8192, usedMb: 1024, reservedMb: 512)
        .WithVcpus(16, used: 4)
        .WithDisk(102400, usedMb: 2048)
        .WithInstances(3)
        .WithIoOps(2)
        .InZone("az1");

    [Theory]
    [InlineData("empty query passes", "[]", true)]
    [InlineData(">= true", "[\">=\", \"$free_ram_mb\", 1024]", true)]
    [InlineData(">= false", "[\">=\", \"$free_ram_mb\", 8192]", false)]
    [InlineData("> boundary", "[\">\", \"$free_ram_mb\", 6656]", false)]
    [InlineData(">= boundary", "[\">=\", \"$free_ram_mb\", 6656]", true)]
    [InlineData("< true", "[\"<\", \"$num_instances\", 10]", true)]
    [InlineData("<= boundary", "[\"<=\", \"$num_instances\", 3]", true)]
    [InlineData("= number", "[\"=\", \"$vcpus_total\", 16]", true)]
    [InlineData("= string", "[\"=\", \"$hypervisor_type\", \"kvm\"]", true)]
    [InlineData("= string differs", "[\"=\", \"$hypervisor_type\", \"qemu\"]", false)]
    [InlineData("= several: all must equal", "[\"=\", \"$vcpus_total\", 16, 17]", false)]
    [InlineData("in list", "[\"in\", \"$host\", \"compute-0\", \"compute-1\"]", true)]
    [InlineData("not in list", "[\"in\", \"$host\", \"compute-7\", \"compute-8\"]", false)]
    [InlineData("not", "[\"not\", [\"=\", \"$availability_zone\", \"az2\"]]", true)]
    [InlineData("not of a true", "[\"not\", [\"=\", \"$availability_zone\", \"az1\"]]", false)]
    [InlineData("and", "[\"and\", [\">=\", \"$free_ram_mb\", 1024], [\"<\", \"$vcpus_used\", 8]]", true)]
    [InlineData("and with a false", "[\"and\", [\">=\", \"$free_ram_mb\", 1024], [\">\", \"$vcpus_used\", 8]]", false)]
    [InlineData("or", "[\"or\", [\">\", \"$num_io_ops\", 5], [\"=\", \"$host\", \"compute-1\"]]", true)]
    [InlineData("or all false", "[\"or\", [\">\", \"$num_io_ops\", 5], [\"=\", \"$host\", \"x\"]]", false)]
    [InlineData("nested three deep", "[\"and\", [\"or\", [\"not\", [\"=\", \"$host\", \"x\"]], false], true]", true)]
    [InlineData("free disk", "[\">=\", \"$free_disk_mb\", 100352]", true)]
    [InlineData("total usable ram", "[\"=\", \"$total_usable_ram_mb\", 8192]", true)]
    public void Evaluates_nova_operators(string name, string query, bool passes)
    {
        var request = Request().WithQuery(query).Build();
        Assert.True(new JsonFilter().HostPasses(Subject, request).Passed == passes, name);
    }

    [Fact]
    public void A_variable_the_host_lacks_is_dropped_and_the_comparison_fails()
    {
        var host = Host().WithHypervisorType(null).Build();
        var request = Request().WithQuery("[\"=\", \"$hypervisor_type\", \"kvm\"]").Build();
        Assert.False(new JsonFilter().HostPasses(host, request).Passed);
    }

    [Fact]
    public void No_query_means_no_filtering() =>
        Assert.Null(new JsonFilter().ForRequest(Request()));

    [Theory]
    [InlineData("not JSON", "[\">=\", \"$free_ram_mb\"", "not valid JSON")]
    [InlineData("an object", "{\"op\": \">=\"}", "must be a JSON array")]
    [InlineData("unknown operator", "[\"~=\", \"$free_ram_mb\", 1]", "unknown operator '~='")]
    [InlineData("operator not a string", "[1, 2, 3]", "must be an operator")]
    [InlineData("unknown variable", "[\">=\", \"$free_ram\", 1]", "unknown variable '$free_ram'")]
    [InlineData("one argument", "[\">=\", \"$free_ram_mb\"]", "needs at least two arguments")]
    [InlineData("number against string", "[\"=\", \"$free_ram_mb\", \"lots\"]", "cannot compare a number with a string")]
    [InlineData("nested query inside a comparison", "[\"=\", [\"=\", 1, 1], 1]", "boolean or nested query")]
    [InlineData("null argument", "[\"=\", \"$host\", null]", "null is not allowed")]
    [InlineData("object argument", "[\"=\", \"$host\", {}]", "object is not allowed")]
    [InlineData("logic without arguments", "[\"and\"]", "needs at least one argument")]
    [InlineData("list variable", "[\"in\", \"avx2\", \"$cpu_info:features\"]", "is a list")]
    [InlineData("error deep inside says where", "[\"and\", [\">=\", \"$free_ram_mb\", 1], [\"<\", \"$bogus\", 2]]", "query[2][1]")]
    public void Malformed_queries_are_refused_with_a_clear_error(string name, string query, string expected)
    {
        var error = Assert.Throws<JsonQueryException>(() => JsonQuery.Parse(query));
        Assert.True(error.Message.Contains(expected, StringComparison.Ordinal), $"{name}: '{error.Message}' should say '{expected}'");
        Assert.Equal(error.Message, JsonFilter.Validate(query));
    }

    [Fact]
    public void Validate_accepts_a_good_query() =>
        Assert.Null(JsonFilter.Validate("[\"and\", [\">=\", \"$free_ram_mb\", 1024], [\"=\", \"$hypervisor_type\", \"kvm\"]]"));

    [Fact]
    public void The_request_factory_refuses_a_malformed_query_hint()
    {
        var server = new Server { Metadata = new() { Name = "vm1", NamespaceProperty = "demo", Uid = "uid-vm1" } };
        server.Spec.ImageRef = new NamespacedObjectReference { Name = "cirros" };
        server.Spec.SchedulerHints = new SchedulerHints { Query = "[\">=\", \"$nope\", 1]" };
        var flavor = new Flavor { Metadata = new() { Name = "m1.small" } };
        flavor.Spec.Memory = KubeCloud.Api.Quantity.Parse("1Gi");
        var error = Assert.Throws<JsonQueryException>(() => ScheduleRequestFactory.Create(server, flavor, null, null, _ => null));
        Assert.Contains("unknown variable '$nope'", error.Message, StringComparison.Ordinal);
    }
}
