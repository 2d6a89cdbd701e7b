namespace KubeCloud.ControllerRuntime.Client;

/// <summary>The type of a watch event.</summary>
public enum WatchEventType
{
    Added,
    Modified,
    Deleted,

    /// <summary>Only <c>metadata.resourceVersion</c> of the object is meaningful: the watch has seen everything up to it.</summary>
    Bookmark,
}

/// <summary>One event of a watch. ERROR events never appear here: they are thrown as <see cref="KubeApiException"/>.</summary>
public readonly record struct WatchEvent<T>(WatchEventType Type, T Object);
