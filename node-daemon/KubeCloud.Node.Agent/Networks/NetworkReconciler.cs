using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Controllers;
using KubeCloud.Node.Networking;
using Microsoft.Extensions.Logging;

namespace KubeCloud.Node.Agent.Networks;

/// <summary>
/// One network on this node: wired and served DHCP while a port bound to this node is on it (peers follow the
/// Network's <c>status.nodes</c>, which the operator keeps; DHCP waits for the operator to allocate this node's DHCP
/// port), removed with its DHCP port when none is left (the DHCP port itself does not count). Runs on changes of the
/// Network (its endpoints among them) and of this node's Ports (the DHCP port's allocation among them).
/// </summary>
public sealed class NetworkReconciler(NodeInformers cache, INetworkConverger networks, NodeAgentOptions options, ILogger<NetworkReconciler> logger) : IReconciler<Network>
{
    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken)
    {
        var network = cache.Networks.Store.Get(request.Namespace, request.Name);
        if (network is null)
        {
            return ReconcileResult.Done;
        }

        var mine = cache.Ports.Store.ByIndex(NodeInformers.PortsByNetwork, NodeInformers.Key(request.Namespace, request.Name))
            .Any(p => p.Status?.Node == options.NodeName && DhcpPort.NodeOf(p) is null);
        try
        {
            if (mine)
            {
                await networks.EnsureAsync(network, cancellationToken);
                await networks.EnsureDhcpAsync(network, cancellationToken);
            }
            else
            {
                await networks.RemoveAsync(network, cancellationToken);
            }
        }
        catch (NetworkSetupException e) when (e.Waiting)
        {
            // The DHCP port's allocation (or a VNI): the Port or Network watch brings the network back when it comes.
            logger.LogDebug("network {Network}: waiting for {Message}", request, e.Message);
            return ReconcileResult.After(options.ResyncInterval);
        }
        catch (NetworkSetupException e)
        {
            // The objects say something the node cannot do yet (no VNI yet, an unsupported provider type): wait for a change.
            logger.LogWarning("network {Network}: {Message}", request, e.Message);
            return ReconcileResult.After(options.ResyncInterval);
        }

        return ReconcileResult.Done;
    }

    /// <summary>The network of a port (its changes may add or remove this node's last port).</summary>
    public static IEnumerable<ReconcileRequest> NetworkOf(Port port)
    {
        ArgumentNullException.ThrowIfNull(port);
        yield return new ReconcileRequest(port.Spec.NetworkRef.Namespace ?? port.Metadata.NamespaceProperty, port.Spec.NetworkRef.Name);
    }
}
