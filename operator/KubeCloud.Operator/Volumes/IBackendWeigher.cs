namespace KubeCloud.Operator.Volumes;

/// <summary>A cinder-scheduler weigher: one raw number per backend, normalised and multiplied by the pipeline as nova's are.</summary>
public interface IBackendWeigher
{
    string Name { get; }

    double Multiplier { get; }

    double Weigh(StorageBackend backend, VolumePlacementRequest request);
}
