using System.Collections.Concurrent;
using System.Globalization;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Cache;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Controllers;
using KubeCloud.Operator.Controllers;

namespace KubeCloud.Operator.IntegrationTests.Servers;

/// <summary>
/// Plays the Port controller (being written on another branch) until it is in main: gives each Port without a MAC a
/// MAC and an address from a per-network counter, under the operator's field manager, as the Port controller would.
/// Not IPAM: tests that use it never reuse addresses. <see cref="Needed"/> is false once the real controller is built in.
/// </summary>
public sealed class PortControllerStandIn : IAsyncDisposable
{
    private readonly IKubeClient _client;
    private readonly SharedInformerFactory _informers;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, int> _next = new(StringComparer.Ordinal);
    private Task _running = Task.CompletedTask;

    private PortControllerStandIn(IKubeClient client)
    {
        _client = client;
        _informers = new SharedInformerFactory(client);
    }

    /// <summary>True while the operator has no Port controller of its own.</summary>
    public static bool Needed => typeof(StatusApply).Assembly.GetType("KubeCloud.Operator.Controllers.Ports.PortReconciler") is null;

    public static async Task<PortControllerStandIn> StartAsync(IKubeClient client)
    {
        var standIn = new PortControllerStandIn(client);
        var controller = new ControllerBuilder(standIn._informers).For<Port>().Named("port-stand-in").WithWorkers(2).Build(new Reconciler(standIn));
        await standIn._informers.StartAsync(standIn._stop.Token);
        await standIn._informers.WaitForCacheSyncAsync(CancellationToken.None);
        standIn._running = controller.RunAsync(standIn._stop.Token);
        return standIn;
    }

    private async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken)
    {
        var port = _informers.For<Port>().Store.Get(request.Namespace, request.Name);
        if (port is null || port.Metadata.DeletionTimestamp is not null || port.Status?.MacAddress is not null)
        {
            return ReconcileResult.Done;
        }

        var network = $"{port.Spec.NetworkRef.Namespace ?? port.Metadata.NamespaceProperty}/{port.Spec.NetworkRef.Name}";
        var n = _next.AddOrUpdate(network, 10, (_, v) => v + 1);
        var address = port.Spec.FixedIPs?.FirstOrDefault()?.IPAddress ?? $"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}";
        var mac = string.Create(CultureInfo.InvariantCulture, $"fa:16:3e:{(n >> 16) & 255:x2}:{(n >> 8) & 255:x2}:{n & 255:x2}");
        var status = new PortStatus { Phase = PortPhase.Down, MacAddress = mac, FixedIPs = [new AllocatedIP { Subnet = "default", IPAddress = address }] };
        await _client.ApplyStatusAsync(port, status, cancellationToken);
        return ReconcileResult.Done;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _running;
        await _informers.DisposeAsync();
        _stop.Dispose();
    }

    private sealed class Reconciler(PortControllerStandIn standIn) : IReconciler<Port>
    {
        public Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken) => standIn.ReconcileAsync(request, cancellationToken);
    }
}
