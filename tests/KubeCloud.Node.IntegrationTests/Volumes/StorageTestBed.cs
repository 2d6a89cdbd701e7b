using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.Node.Agent;
using KubeCloud.Node.Agent.Volumes;
using KubeCloud.Node.Processes;
using KubeCloud.Node.Storage;
using KubeCloud.Operator.Controllers.Volumes;

namespace KubeCloud.Node.IntegrationTests.Volumes;

/// <summary>
/// What the volume tests share: the storage role on the machine's real tgtd (portal 127.0.0.1:3260, as
/// tests/setup/node-deps.sh starts it) with sparse files under a test directory, the operator's part of a Volume played
/// by the test (placement, CHAP Secret, attachments, phase Deleting), and what tgtd and the disk hold afterwards.
/// </summary>
public static class StorageTestBed
{
    public const string Portal = "127.0.0.1:3260";

    public static StorageRoleOptions FileBackend(string stateDirectory) =>
        StorageRoleOptions.Parse("file:" + Path.Combine(stateDirectory, "volumes")) with { Portal = Portal };

    /// <summary>The store the daemon of <paramref name="node"/> uses, to look at tgtd and the files from the test.</summary>
    public static TgtTargetStore Targets(string node, string stateDirectory) =>
        new(ProcessCommandRunner.Instance, new FileVolumeStore(Path.Combine(stateDirectory, "volumes")), $"{StorageRole.IqnPrefix}:{node}");

    public static Task<Volume> CreateVolumeAsync(NodeCluster cluster, string name, string size) =>
        cluster.Client.CreateAsync(new Volume
        {
            Metadata = new() { Name = name, NamespaceProperty = NodeCluster.Project },
            Spec = new VolumeSpec { Size = Quantity.Parse(size) },
        });

    /// <summary>Plays the operator's placement: <c>backendNode</c>, phase Creating, and the CHAP Secret.</summary>
    public static async Task<Volume> PlaceAsync(NodeCluster cluster, Volume volume, string node, bool withSecret = true)
    {
        volume = await cluster.ApplyOperatorStatusAsync(volume, new VolumeStatus { BackendNode = node, Phase = VolumePhase.Creating });
        if (withSecret)
        {
            await new ChapSecretWriter(cluster.Client).EnsureAsync(volume, CancellationToken.None);
        }

        return volume;
    }

    /// <summary>Plays the operator's attachment of <paramref name="server"/> on <paramref name="node"/> (Attaching).</summary>
    public static Task<Volume> AttachAsync(NodeCluster cluster, Volume volume, string server, string node) =>
        cluster.ApplyOperatorStatusAsync(volume, new VolumeStatus
        {
            BackendNode = node,
            Phase = VolumePhase.Attaching,
            Attachments = [new VolumeAttachment { Server = server, Node = node }],
        });

    public static Task<Volume> GetAsync(NodeCluster cluster, string name) => cluster.Client.GetAsync<Volume>(name, NodeCluster.Project);

    public static Task<Volume> WaitExportedAsync(NodeCluster cluster, string name) =>
        NodeCluster.EventuallyAsync(() => GetAsync(cluster, name), v => Conditions.IsTrue(v.Status, VolumeExportReport.ExportedCondition) && v.Status?.Target is not null,
            $"volume {name} Exported");

    public static Task WaitGoneAsync(NodeCluster cluster, string name) =>
        NodeCluster.EventuallyAsync(async () =>
        {
            try
            {
                await GetAsync(cluster, name);
                return false;
            }
            catch (NotFoundException)
            {
                return true;
            }
        }, gone => gone, $"volume {name} gone");
}
