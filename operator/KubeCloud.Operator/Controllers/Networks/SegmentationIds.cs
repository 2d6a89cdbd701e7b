using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Cache;
using KubeCloud.ControllerRuntime.Controllers;
using KubeCloud.ControllerRuntime.Events;
using KubeCloud.Operator.Networking;

namespace KubeCloud.Operator.Controllers.Networks;

/// <summary>
/// The VXLAN VNIs of one leadership term: a <see cref="SegmentationIdAllocator"/> over the configured range, rebuilt from
/// the Networks in the synced cache (status, else the spec's request) the first time the Network controller asks. A VNI
/// recorded by two networks stays with the older; the younger gets a Warning Event and, at its next reconcile, a new
/// VNI (or, when the spec requests that VNI, a Ready condition saying who holds it).
/// </summary>
public sealed class SegmentationIds(SharedInformerFactory informers, IEventRecorder events, OperatorSettings settings) : ITermState
{
    public const string ConflictReason = "SegmentationIdConflict";

    private readonly Lock _gate = new();
    private SegmentationIdAllocator? _allocator;

    /// <summary>Forgets the allocator: the next request rebuilds it from the cache (a new leadership term).</summary>
    public void BeginTerm()
    {
        lock (_gate)
        {
            _allocator = null;
        }
    }

    public SegmentationIdAllocator Allocator
    {
        get
        {
            IReadOnlyList<Network> conflicts;
            SegmentationIdAllocator allocator;
            lock (_gate)
            {
                if (_allocator is not null)
                {
                    return _allocator;
                }

                allocator = SegmentationIdAllocator.Rebuild(settings.VniRangeFirst, settings.VniRangeLast, informers.For<Network>().Store.List(), out conflicts);
                _allocator = allocator;
            }

            foreach (var network in conflicts)
            {
                events.Record(network, EventTypes.Warning, ConflictReason, "AllocateSegment",
                    $"VNI {network.Status?.SegmentationId ?? network.Spec.SegmentationId} is also recorded by an older network; this network gets another one unless its spec requests that VNI");
            }

            return allocator;
        }
    }
}
