using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Controllers;
using KubeCloud.ControllerRuntime.Objects;
using KubeCloud.Node.Storage;
using Microsoft.Extensions.Logging;

namespace KubeCloud.Node.Agent.Volumes;

/// <summary>
/// cinder-volume for the Volumes placed on this node (<c>status.backendNode</c>): adds the finalizer
/// <c>kubecloud.io/storage-cleanup</c> before making anything, reads the CHAP Secret the operator made, creates the
/// volume's data and exports it with tgt (CHAP bound), grows it when <c>spec.size</c> grew and no server holds it, and
/// reports <c>capacity</c>, <c>target</c> and <c>Exported</c> (<see cref="VolumeExportReport"/>). Once the operator has
/// set phase Deleting it removes target, CHAP account and data, then its finalizer. Every pass re-exports what tgtd lost
/// (a restarted tgtd) and adopts what it has (a restarted daemon).
/// </summary>
public sealed class VolumeExportReconciler(
    IKubeClient client,
    NodeInformers cache,
    StorageRole storage,
    ChapSecretReader secrets,
    NodeAgentOptions options,
    TimeProvider time,
    ILogger<VolumeExportReconciler> logger) : IReconciler<Volume>
{
    /// <summary>The storage node's finalizer on a Volume: held until the volume's target and data are gone.</summary>
    public const string CleanupFinalizer = "kubecloud.io/storage-cleanup";

    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken)
    {
        var volume = cache.Volumes.Store.Get(request.Namespace, request.Name);
        if (volume is null || volume.Status?.BackendNode != options.NodeName)
        {
            return ReconcileResult.Done; // not ours; a target left behind is the orphan sweep's
        }

        var id = StorageRole.VolumeId(volume);
        if (volume.Metadata.DeletionTimestamp is not null)
        {
            if (!Finalizers.Has(volume, CleanupFinalizer) || volume.Status?.Phase != VolumePhase.Deleting)
            {
                return ReconcileResult.Done; // the operator holds the volume while a server does; its phase change wakes this
            }

            var account = await ReadChapAsync(volume, cancellationToken);
            await storage.Targets.UnexportAsync(id, account?.Username, deleteData: true, cancellationToken);
            await Finalizers.RemoveAsync(client, volume, CleanupFinalizer, cancellationToken);
            logger.LogInformation("volume {Volume}: target and data removed", request);
            return ReconcileResult.Done;
        }

        volume = await Finalizers.AddAsync(client, volume, CleanupFinalizer, cancellationToken);
        var chap = await ReadChapAsync(volume, cancellationToken);
        if (chap is null)
        {
            await ReportAsync(volume, VolumeExportReport.NotExported(volume, VolumeExportReport.Creating,
                $"waiting for the CHAP secret {VolumeChapSecret.NameOf(volume)} (the operator makes it)", time.GetUtcNow()), cancellationToken);
            return ReconcileResult.After(TimeSpan.FromSeconds(1));
        }

        try
        {
            var (backing, note) = await GrowAsync(volume, id, chap, cancellationToken);
            var target = await storage.Targets.ExportAsync(new VolumeExport
            {
                VolumeId = id,
                SizeBytes = backing?.SizeBytes ?? volume.Spec.Size.Value(),
                ChapUsername = chap.Username,
                ChapPassword = chap.Password,
            }, cancellationToken);
            backing ??= await storage.Targets.Volumes.FindAsync(id, cancellationToken)
                ?? throw new VolumeBackingException($"volume {id} is exported but its data is missing");
            await ReportAsync(volume, VolumeExportReport.Of(volume, backing, target, storage.Portal, note, time.GetUtcNow()), cancellationToken);
            return ReconcileResult.After(options.ResyncInterval);
        }
        catch (Exception e) when (e is VolumeExportException or VolumeBackingException or Processes.CommandFailedException or InvalidDataException)
        {
            logger.LogWarning("volume {Volume}: {Message}", request, e.Message);
            await ReportAsync(volume, VolumeExportReport.NotExported(volume, VolumeExportReport.ExportFailed, e.Message, time.GetUtcNow()), cancellationToken);
            return ReconcileResult.RequeueNow; // backoff
        }
    }

    private async Task<ChapCredentials?> ReadChapAsync(Volume volume, CancellationToken cancellationToken) =>
        await secrets.ReadAsync(volume.Metadata.NamespaceProperty, VolumeChapSecret.NameOf(volume), cancellationToken);

    /// <summary>
    /// Grows the data to <c>spec.size</c> when it is smaller and no server holds the volume (tgt has to let go of it
    /// while it grows, and a guest would see its disk vanish); otherwise says why it waits.
    /// </summary>
    private async Task<(VolumeBacking? Backing, string? Note)> GrowAsync(Volume volume, string id, ChapCredentials chap, CancellationToken cancellationToken)
    {
        var wanted = volume.Spec.Size.Value();
        var backing = await storage.Targets.Volumes.FindAsync(id, cancellationToken);
        if (backing is null || backing.SizeBytes >= wanted)
        {
            return (backing, null);
        }

        if (volume.Status?.Attachments is { Count: > 0 } held)
        {
            return (backing, $"grows to {volume.Spec.Size} once no server holds it ({string.Join(", ", held.Select(a => a.Server))})");
        }

        await storage.Targets.UnexportAsync(id, chap.Username, deleteData: false, cancellationToken);
        var grown = await storage.Targets.Volumes.ExtendAsync(id, wanted, cancellationToken);
        logger.LogInformation("volume {Namespace}/{Name}: grown from {From} to {To} bytes", volume.Metadata.NamespaceProperty, volume.Metadata.Name, backing.SizeBytes, grown.SizeBytes);
        return (grown, null);
    }

    private async Task ReportAsync(Volume volume, VolumeStatus status, CancellationToken cancellationToken)
    {
        if (VolumeExportReport.Differs(volume.Status, status))
        {
            await client.ApplyNodeStatusAsync(volume, status, cancellationToken);
        }
    }
}
