using System.Threading.Channels;
using KubeCloud.ApiServer.Resources;

namespace KubeCloud.ApiServer.Storage;

/// <summary>One open watch: the resource and namespace it follows, and the queue its events go to.</summary>
public sealed class Watcher
{
    private readonly Channel<StoreEvent> _channel = Channel.CreateUnbounded<StoreEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly string? _namespace;

    public Watcher(GroupResource resource, string? ns)
    {
        Resource = resource;
        _namespace = string.IsNullOrEmpty(ns) ? null : ns;
    }

    public GroupResource Resource { get; }

    public ChannelReader<StoreEvent> Events => _channel.Reader;

    public bool Matches(StoreEvent change) =>
        change.Resource == Resource && (_namespace is null || change.Object.Namespace == _namespace);

    internal void Post(StoreEvent change) => _channel.Writer.TryWrite(change);
}
