using k8s;
using k8s.Models;

namespace KubeCloud.ControllerRuntime.Client;

/// <summary>Query options of a list call.</summary>
public sealed record ListOptions
{
    public string? LabelSelector { get; init; }

    public string? FieldSelector { get; init; }

    /// <summary>Page size; the response carries a continue token when more remain.</summary>
    public int? Limit { get; init; }

    public string? Continue { get; init; }

    /// <summary>Empty or null: a consistent (quorum) read; "0": any cached version; otherwise as <see cref="ResourceVersionMatch"/> says.</summary>
    public string? ResourceVersion { get; init; }

    /// <summary>"NotOlderThan" or "Exact".</summary>
    public string? ResourceVersionMatch { get; init; }

    public int? TimeoutSeconds { get; init; }
}

/// <summary>Query options of a watch call.</summary>
public sealed record WatchOptions
{
    public string? LabelSelector { get; init; }

    public string? FieldSelector { get; init; }

    /// <summary>Start after this version; null or empty starts with synthetic ADDED events for every object.</summary>
    public string? ResourceVersion { get; init; }

    public bool AllowWatchBookmarks { get; init; } = true;

    /// <summary>The server ends the watch after this long; the caller re-watches from the last version it saw.</summary>
    public int? TimeoutSeconds { get; init; }
}

/// <summary>Options of create, update and patch.</summary>
public record WriteOptions
{
    /// <summary>Validate and admit, but do not persist (<c>dryRun=All</c>).</summary>
    public bool DryRun { get; init; }

    /// <summary>The manager recorded in managedFields; required for server-side apply.</summary>
    public string? FieldManager { get; init; }

    /// <summary>"Ignore", "Warn" or "Strict".</summary>
    public string? FieldValidation { get; init; }
}

/// <summary>Options of a patch; <see cref="Force"/> only applies to server-side apply.</summary>
public sealed record PatchOptions : WriteOptions
{
    /// <summary>Take ownership of fields another manager owns (server-side apply conflicts).</summary>
    public bool Force { get; init; }
}

/// <summary>Options of a delete.</summary>
public sealed record DeleteOptions
{
    /// <summary>"Foreground", "Background" or "Orphan".</summary>
    public string? PropagationPolicy { get; init; }

    public long? GracePeriodSeconds { get; init; }

    /// <summary>Delete only when the object still has this UID.</summary>
    public string? PreconditionUid { get; init; }

    /// <summary>Delete only when the object still has this resourceVersion.</summary>
    public string? PreconditionResourceVersion { get; init; }

    public bool DryRun { get; init; }

    internal V1DeleteOptions ToBody() => new()
    {
        ApiVersion = "v1",
        Kind = "DeleteOptions",
        PropagationPolicy = PropagationPolicy,
        GracePeriodSeconds = GracePeriodSeconds,
        DryRun = DryRun ? ["All"] : null,
        Preconditions = PreconditionUid is null && PreconditionResourceVersion is null
            ? null
            : new V1Preconditions { Uid = PreconditionUid, ResourceVersion = PreconditionResourceVersion },
    };
}
