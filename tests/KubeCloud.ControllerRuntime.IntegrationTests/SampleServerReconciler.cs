using k8s;
using k8s.Models;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Cache;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Controllers;
using KubeCloud.ControllerRuntime.Objects;

namespace KubeCloud.ControllerRuntime.IntegrationTests;

/// <summary>
/// A small but honest controller: a finalizer, one owned Port per server, a Ready condition with observedGeneration,
/// and cleanup on deletion. Level-triggered: it reads the cache and the API, never the event.
/// </summary>
public sealed class SampleServerReconciler(IKubeClient client, IIndexer<Server> servers, IIndexer<Port> ports) : IReconciler<Server>
{
    public const string Finalizer = "kubecloud.io/sample";

    private int _reconciles;

    public int Reconciles => _reconciles;

    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _reconciles);
        var cached = servers.Get(request.Namespace, request.Name);
        if (cached is null)
        {
            return ReconcileResult.Done;
        }

        var portName = $"{request.Name}-port0";
        if (cached.Metadata.DeletionTimestamp is not null)
        {
            if (ports.Get(request.Namespace, portName) is not null)
            {
                try
                {
                    await client.DeleteAsync<Port>(portName, request.Namespace, cancellationToken: cancellationToken);
                }
                catch (NotFoundException)
                {
                }
            }

            await Finalizers.RemoveAsync(client, cached, Finalizer, cancellationToken);
            return ReconcileResult.Done;
        }

        var server = await Finalizers.AddAsync(client, cached, Finalizer, cancellationToken);
        if (ports.Get(request.Namespace, portName) is null)
        {
            try
            {
                await client.CreateAsync(new Port
                {
                    Metadata = new V1ObjectMeta
                    {
                        Name = portName,
                        NamespaceProperty = request.Namespace,
                        OwnerReferences = [new V1OwnerReference { ApiVersion = server.ApiVersion, Kind = server.Kind, Name = server.Metadata.Name, Uid = server.Metadata.Uid, Controller = true, BlockOwnerDeletion = true }],
                    },
                    Spec = new PortSpec { NetworkRef = new NamespacedObjectReference { Name = server.Spec.Networks![0].NetworkRef!.Name } },
                }, cancellationToken: cancellationToken);
            }
            catch (AlreadyExistsException)
            {
            }
        }

        var status = server.Status ?? new ServerStatus();
        var changed = Conditions.Set(status, ConditionTypes.Ready, ConditionStatus.True, "PortReady", $"port {portName} exists", server.Metadata.Generation, DateTimeOffset.UtcNow);
        if (status.Phase != ServerPhase.Active)
        {
            status.Phase = ServerPhase.Active;
            changed = true;
        }

        if (changed)
        {
            server.Status = status;
            await client.UpdateStatusAsync(server, cancellationToken: cancellationToken);
        }

        return ReconcileResult.Done;
    }
}
