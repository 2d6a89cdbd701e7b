namespace KubeCloud.ApiServer.Storage;

/// <summary>How a write is made: dryRun, fieldValidation (Strict, Warn, Ignore), field manager; warnings go back as headers.</summary>
public sealed class WriteOptions
{
    public bool DryRun { get; init; }

    public string FieldValidation { get; init; } = "Warn";

    public string FieldManager { get; init; } = "unknown";

    public List<string> Warnings { get; } = [];

    /// <summary>Record the write in metadata.managedFields as an <c>Update</c> by <see cref="FieldManager"/> (server-side apply records its own).</summary>
    public bool TracksManagedFields { get; init; } = true;

    /// <summary>The subresource the managedFields entry names when it is not the one written (the scale subresource writes the object).</summary>
    public string? ManagedFieldsSubresource { get; init; }

    /// <summary>The client making the write; null for the server's own writes (no admission).</summary>
    public Auth.UserInfo? User { get; init; }

    public static WriteOptions Internal(string manager) => new() { FieldValidation = "Ignore", FieldManager = manager };
}

/// <summary>DeleteOptions as kube-apiserver reads them (grace periods are accepted and ignored).</summary>
public sealed record DeleteOptions(string? PropagationPolicy = null, string? PreconditionUid = null, string? PreconditionResourceVersion = null, bool DryRun = false, Auth.UserInfo? User = null)
{
    public const string Orphan = "Orphan";
    public const string Background = "Background";
    public const string Foreground = "Foreground";
}
