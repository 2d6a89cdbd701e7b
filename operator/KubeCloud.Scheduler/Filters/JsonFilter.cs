using System.Buffers;
using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;

namespace KubeCloud.Scheduler.Filters;

/// <summary>
/// nova's JsonFilter: the host satisfies the query hint. The query is parsed and checked once, when
/// the request is built (<see cref="JsonQuery.Parse"/>); <see cref="Validate"/> is the same check for
/// the admission webhook.
/// </summary>
public sealed class JsonFilter : IHostFilter
{
    public const string FilterName = "JsonFilter";
    public const string Reason = "host does not satisfy the query hint";

    public string Name => FilterName;

    /// <summary>Null when the query is valid, else a message that says where and why it is not.</summary>
    public static string? Validate(string query) => JsonQuery.Validate(query);

    public IHostFilter? ForRequest(ScheduleRequest request) => request.Query is null ? null : this;

    public FilterResult HostPasses(HostState host, ScheduleRequest request) =>
        request.Query is null || request.Query.Evaluate(host) ? FilterResult.Pass : FilterResult.Fail(Reason);

    public int FilterHosts(HostTable hosts, ReadOnlySpan<int> input, Span<int> output, ScheduleRequest request)
    {
        if (request.Query is not { } query)
        {
            return HostSelection.All(input, output);
        }

        var passes = ArrayPool<bool>.Shared.Rent(Math.Max(1, input.Length));
        query.Evaluate(hosts, input, passes);
        var n = 0;
        for (var k = 0; k < input.Length; k++)
        {
            if (passes[k])
            {
                output[n++] = input[k];
            }
        }

        ArrayPool<bool>.Shared.Return(passes);
        return n;
    }
}
