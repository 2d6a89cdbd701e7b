using System.Net;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;

namespace KubeCloud.Scheduler.Tests.Fixtures;

/// <summary>Builds schedule requests for tests: 1 vCPU, 512 MiB, no disk, namespace demo, unless told otherwise.</summary>
public sealed class RequestBuilder
{
    private ScheduleRequest _request;
    private readonly Dictionary<string, string> _extraSpecs = [];

    private RequestBuilder(string ns, string name) =>
        _request = new ScheduleRequest { Namespace = ns, Name = name, Uid = UidOf(ns, name), Resources = new ResourceAmounts(1, 512, 0), FlavorName = "m1.test" };

    public static RequestBuilder Request(string name = "vm1", string ns = "demo") => new(ns, name);

    /// <summary>The uid the builders give a server: one per namespace and name.</summary>
    public static string UidOf(string ns, string name) => $"uid-{ns}-{name}";

    public RequestBuilder WithUid(string uid) => With(r => r with { Uid = uid });

    public RequestBuilder ResizingFrom(string node) => With(r => r with { ResizeSourceNode = node });

    public RequestBuilder WithResources(int vcpus, long memoryMb, long diskMb = 0) => With(r => r with { Resources = new ResourceAmounts(vcpus, memoryMb, diskMb) });

    public RequestBuilder InZone(string zone) => With(r => r with { AvailabilityZone = zone });

    public RequestBuilder WithExtraSpec(string key, string value)
    {
        _extraSpecs[key] = value;
        return this;
    }

    public RequestBuilder WithImage(string key, CpuArchitecture? architecture = null, HypervisorType? type = null) =>
        With(r => r with { ImageKey = key, ImageName = key.Split('/')[^1], ImageArchitecture = architecture, ImageHypervisorType = type });

    public RequestBuilder InGroup(ServerGroupPolicy policy, Dictionary<string, int>? membersPerNode = null, int maxServerPerHost = 1) =>
        With(r => r with { GroupName = "group1", GroupPolicy = policy, GroupMembersPerNode = membersPerNode ?? [], MaxServerPerHost = maxServerPerHost });

    public RequestBuilder SameHostAs(params string[] nodes) => With(r => r with { SameHostNodes = new HashSet<string>(nodes) });

    public RequestBuilder DifferentHostFrom(params string[] nodes) => With(r => r with { DifferentHostNodes = new HashSet<string>(nodes) });

    public RequestBuilder WithQuery(string query) => With(r => r with { Query = JsonQuery.Parse(query) });

    public RequestBuilder BuildNear(string ip, int cidr = 24) =>
        With(r => r with { BuildNearNetwork = ScheduleRequestFactory.NetworkOf(IPAddress.Parse(ip), cidr) });

    public RequestBuilder Tried(params string[] nodes) => With(r => r with { TriedNodes = new HashSet<string>(nodes) });

    public RequestBuilder ForcedTo(string node) => With(r => r with { ForceNode = node });

    public ScheduleRequest Build() => ScheduleRequestFactory.WithExtraSpecs(_request, _extraSpecs);

    public static implicit operator ScheduleRequest(RequestBuilder builder) => builder.Build();

    private RequestBuilder With(Func<ScheduleRequest, ScheduleRequest> change)
    {
        _request = change(_request);
        return this;
    }
}
