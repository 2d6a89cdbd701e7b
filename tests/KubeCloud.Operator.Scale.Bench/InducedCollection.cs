using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;

namespace KubeCloud.Operator.Scale.Bench;

/// <summary>
/// A full blocking garbage collection in another .NET process, asked for through its diagnostics port as
/// <c>dotnet-gcdump</c> does: an EventPipe session that enables the runtime provider's <c>GCHeapCollect</c> keyword
/// makes the runtime collect before it answers the session request. Memory read after it is what the process retains;
/// read before it, what its GC has not yet had a reason to collect. No code or endpoint in the target process.
/// </summary>
public static class InducedCollection
{
    private const string RuntimeProvider = "Microsoft-Windows-DotNETRuntime";

    // GCHeapCollect (0x800000): "induce a GC" when the session enables it.
    private const long GCHeapCollectKeyword = 0x800000;

    public static async Task RunAsync(int processId, CancellationToken cancellationToken)
    {
        var client = new DiagnosticsClient(processId);
        using var session = await client.StartEventPipeSessionAsync(
            [new EventPipeProvider(RuntimeProvider, EventLevel.Informational, GCHeapCollectKeyword)], requestRundown: false, circularBufferMB: 4, cancellationToken);
        var drain = session.EventStream.CopyToAsync(Stream.Null, cancellationToken); // the runtime blocks on a full pipe
        await session.StopAsync(cancellationToken);
        await drain;
    }
}
