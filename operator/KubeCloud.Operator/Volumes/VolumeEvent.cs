namespace KubeCloud.Operator.Volumes;

/// <summary>What can happen to a volume: the storage node's reports and the Server controller's requests.</summary>
public abstract record VolumeEvent
{
    /// <summary>The storage node has made (and exported) the volume.</summary>
    public sealed record Created : VolumeEvent;

    /// <summary>Making the volume failed.</summary>
    public sealed record CreateFailed(string Message) : VolumeEvent;

    /// <summary>A server being built claims the volume (cinder's attachment_create / reserve).</summary>
    public sealed record Reserve(string Server) : VolumeEvent;

    /// <summary>The server gives up a claim it has not started attaching (its build failed, or it was deleted).</summary>
    public sealed record Unreserve(string Server) : VolumeEvent;

    /// <summary>The compute node starts attaching.</summary>
    public sealed record BeginAttach(string Server) : VolumeEvent;

    /// <summary>The compute node reports the disk attached.</summary>
    public sealed record Attached(string Server) : VolumeEvent;

    /// <summary>The compute node could not attach; the claim is dropped.</summary>
    public sealed record AttachFailed(string Server) : VolumeEvent;

    /// <summary>The server no longer lists the volume, or is going: detaching starts.</summary>
    public sealed record BeginDetach(string Server) : VolumeEvent;

    /// <summary>The compute node reports the disk detached.</summary>
    public sealed record Detached(string Server) : VolumeEvent;

    /// <summary>The Volume is being deleted.</summary>
    public sealed record Delete : VolumeEvent;

    /// <summary>The storage node could not remove the volume.</summary>
    public sealed record DeleteFailed(string Message) : VolumeEvent;
}
