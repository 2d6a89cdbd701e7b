namespace KubeCloud.ControllerRuntime.Cache;

/// <summary>What an informer watches and how it recovers.</summary>
public sealed record InformerOptions
{
    /// <summary>Only this namespace; null watches all namespaces.</summary>
    public string? Namespace { get; init; }

    public string? LabelSelector { get; init; }

    public string? FieldSelector { get; init; }

    /// <summary>Page size of the initial list and of relists.</summary>
    public int PageSize { get; init; } = 500;

    /// <summary>The first reconnect delay after a failure; it doubles up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Server-side timeout of each watch; the informer re-watches from its last version when it ends.</summary>
    public TimeSpan WatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// client-go's <c>resyncPeriod</c>: every period, once the cache has synced, each handler gets
    /// <c>OnUpdate(obj, obj)</c> (the same instance twice) for every cached object, so a controller re-examines the
    /// whole world even when nothing changed. Null or zero (the default) turns it off.
    /// </summary>
    public TimeSpan? ResyncPeriod { get; init; }

    /// <summary>
    /// Drops <c>metadata.managedFields</c> from every cached object (controller-runtime's
    /// <c>cache.TransformStripManagedFields</c>). They are the largest part of an object that two writers apply to
    /// (the operator's and the node daemon's field sets), no controller reads them from the cache, and an update sent
    /// without them keeps the stored ones. On by default; false keeps them.
    /// </summary>
    public bool StripManagedFields { get; init; } = true;

    /// <summary>
    /// Drops the annotation <c>kubectl.kubernetes.io/last-applied-configuration</c> (a copy of the whole object as last
    /// applied by <c>kubectl apply</c>, often the largest annotation) from every cached object. No controller reads it,
    /// but <see cref="Objects.Finalizers"/> writes by an update (PUT) of the cached copy, which would erase it: turn it
    /// on only where nothing PUTs cached objects. Off by default.
    /// </summary>
    public bool StripLastAppliedConfiguration { get; init; }

    /// <summary>
    /// Replaces the strings cached objects repeat (apiVersion, kind, namespace, labels, annotation keys, finalizers,
    /// condition types, reasons and messages) with one shared instance each (<see cref="CachedStrings"/>,
    /// <see cref="StringPool.Shared"/>). On by default; false keeps each object's own copies.
    /// </summary>
    public bool InternStrings { get; init; } = true;
}
