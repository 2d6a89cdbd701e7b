using System.Collections.Frozen;
using KubeCloud.Scheduler.Configuration;
using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;

namespace KubeCloud.Scheduler.Filters;

/// <summary>
/// nova's IsolatedHostsFilter: isolated images run only on isolated hosts and, when
/// restrictIsolatedHostsToIsolatedImages is set, isolated hosts run only isolated images. Whether a
/// host is isolated is decided when its state is built (<see cref="HostState.Isolated"/>, from the
/// same isolatedHosts setting); whether the image is, once per request.
/// </summary>
public sealed class IsolatedHostsFilter : IHostFilter
{
    public const string FilterName = "IsolatedHostsFilter";
    public const string IsolatedHostReason = "host is isolated and only runs isolated images";
    public const string IsolatedImageReason = "the image is isolated and only runs on isolated hosts";

    private readonly bool _anyIsolatedHost;
    private readonly FrozenSet<string> _images;
    private readonly bool _restrict;
    private readonly Bound _isolatedImage;
    private readonly Bound _ordinaryImage;

    public IsolatedHostsFilter(SchedulerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _anyIsolatedHost = options.IsolatedHosts.Count > 0;
        _images = options.IsolatedImages.ToFrozenSet(StringComparer.Ordinal);
        _restrict = options.RestrictIsolatedHostsToIsolatedImages;
        _isolatedImage = new Bound(this, imageIsolated: true);
        _ordinaryImage = new Bound(this, imageIsolated: false);
    }

    public string Name => FilterName;

    /// <summary>Decides once whether the request's image is isolated.</summary>
    public IHostFilter? ForRequest(ScheduleRequest request)
    {
        var imageIsolated = IsImageIsolated(request);
        if (!_anyIsolatedHost && !imageIsolated)
        {
            return null;
        }

        if (!imageIsolated && !_restrict)
        {
            return null;
        }

        return imageIsolated ? _isolatedImage : _ordinaryImage;
    }

    public FilterResult HostPasses(HostState host, ScheduleRequest request) => Passes(host, IsImageIsolated(request));

    public int FilterHosts(HostTable hosts, ReadOnlySpan<int> input, Span<int> output, ScheduleRequest request) =>
        Select(hosts, input, output, IsImageIsolated(request));

    private bool IsImageIsolated(ScheduleRequest request) =>
        _images.Count > 0
        && ((request.ImageKey is { } key && _images.Contains(key)) || (request.ImageName is { } name && _images.Contains(name)));

    private FilterResult Passes(HostState host, bool imageIsolated)
    {
        var hostIsolated = host.Isolated;
        if (imageIsolated)
        {
            // nova: an isolated image runs only on an isolated host, whatever the restrict flag says.
            return hostIsolated ? FilterResult.Pass : FilterResult.Fail(IsolatedImageReason);
        }

        return hostIsolated && _restrict ? FilterResult.Fail(IsolatedHostReason) : FilterResult.Pass;
    }

    private int Select(HostTable hosts, ReadOnlySpan<int> input, Span<int> output, bool imageIsolated)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        if (imageIsolated)
        {
            return HostSelection.Equal(hosts.Isolated, 1, input, output);
        }

        return _restrict ? HostSelection.Equal(hosts.Isolated, 0, input, output) : HostSelection.All(input, output);
    }

    private sealed class Bound(IsolatedHostsFilter filter, bool imageIsolated) : IHostFilter
    {
        public string Name => FilterName;

        public FilterResult HostPasses(HostState host, ScheduleRequest request) => filter.Passes(host, imageIsolated);

        public int FilterHosts(HostTable hosts, ReadOnlySpan<int> input, Span<int> output, ScheduleRequest request) =>
            filter.Select(hosts, input, output, imageIsolated);
    }
}
