namespace KubeCloud.Node.Agent.Servers;

/// <summary>The node daemon's conditions on a Server and their reasons (operator/KubeCloud.Operator/README.md, "The node daemon's side of a Server").</summary>
public static class ServerReasons
{
    public const string ImageReady = "ImageReady";
    public const string Spawned = "Spawned";

    public const string ImageCached = "ImageCached";
    public const string ImageChecksumMismatch = "ImageChecksumMismatch";
    public const string ImageUnreachable = "ImageUnreachable";
    public const string Converged = "Converged";
    public const string Spawning = "Spawning";
    public const string Waiting = "Waiting";
    public const string SpawnFailed = "SpawnFailed";
    public const string VolumeAttachFailed = "VolumeAttachFailed";
    public const string SuspendRefused = "SuspendRefused";
    public const string NetworkSetupFailed = "NetworkSetupFailed";
}
