using k8s;
using k8s.Models;

namespace KubeCloud.ControllerRuntime.Events;

/// <summary>Records events.k8s.io/v1 Events about objects, for <c>kubectl describe</c> and <c>kubectl events</c>.</summary>
public interface IEventRecorder
{
    /// <summary>
    /// Queues an event and returns at once (never waits for the API server); false when the queue is full and the
    /// event was dropped. Parameters as <see cref="RecordAsync"/>.
    /// </summary>
    bool Record(IKubernetesObject<V1ObjectMeta> regarding, string type, string reason, string action, string note);

    /// <summary>Records an event and completes when it has been written; best effort: failures are logged, never thrown.</summary>
    /// <param name="regarding">The object the event is about.</param>
    /// <param name="type"><see cref="EventTypes.Normal"/> or <see cref="EventTypes.Warning"/>.</param>
    /// <param name="reason">CamelCase, machine-readable: <c>Scheduled</c>, <c>NoValidHost</c>.</param>
    /// <param name="action">What was done or failed: <c>Schedule</c>, <c>Bind</c>.</param>
    /// <param name="note">A human-readable message.</param>
    /// <param name="cancellationToken">Cancels the API call.</param>
    Task RecordAsync(IKubernetesObject<V1ObjectMeta> regarding, string type, string reason, string action, string note, CancellationToken cancellationToken = default);
}

public static class EventTypes
{
    public const string Normal = "Normal";
    public const string Warning = "Warning";
}
