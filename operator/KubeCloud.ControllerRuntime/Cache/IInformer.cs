namespace KubeCloud.ControllerRuntime.Cache;

/// <summary>What a host needs of any informer, whatever its kind: run it and wait for its first list.</summary>
public interface IInformer
{
    Type ObjectType { get; }

    bool HasSynced { get; }

    Task RunAsync(CancellationToken cancellationToken);

    Task WaitForCacheSyncAsync(CancellationToken cancellationToken);
}
