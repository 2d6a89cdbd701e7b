using System.Globalization;
using KubeCloud.Kube.Client;
using KubeCloud.Kube.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KubeCloud.Kube.Events;

/// <summary>Writes Events through the API, de-duplicated into series and rate limited per object by an <see cref="EventCorrelator"/>.</summary>
public sealed class EventRecorder(IKubeClient client, string reportingController, string reportingInstance, ILogger? logger = null, TimeProvider? time = null) : IEventRecorder
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly EventCorrelator _correlator = new(time);
    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    public async Task RecordAsync(IKubernetesObject<V1ObjectMeta> regarding, string type, string reason, string action, string note, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(regarding);
        var meta = regarding.Metadata ?? new V1ObjectMeta();
        var key = new EventKey(meta.Uid ?? $"{regarding.Kind}/{meta.Namespace}/{meta.Name}", type, reason, action, note, reportingController);
        var decision = _correlator.Correlate(key);
        var ns = string.IsNullOrEmpty(meta.Namespace) ? "default" : meta.Namespace;
        try
        {
            switch (decision.Kind)
            {
                case EventDecisionKind.Drop:
                    _logger.LogDebug("Event {Reason} about {Name} dropped by the rate limiter", reason, meta.Name);
                    return;
                case EventDecisionKind.IncrementSeries:
                    try
                    {
                        await client.PatchAsync<Eventsv1Event>(decision.ExistingName!, ns, KubePatch.Merge(new Eventsv1Event
                        {
                            Series = new Eventsv1EventSeries { Count = decision.Count, LastObservedTime = _time.GetUtcNow() },
                        }), cancellationToken: cancellationToken).ConfigureAwait(false);
                        return;
                    }
                    catch (NotFoundException)
                    {
                        _correlator.Forget(key);
                    }

                    break;
            }

            var now = _time.GetUtcNow();
            var name = $"{meta.Name}.{now.UtcTicks.ToString("x", CultureInfo.InvariantCulture)}";
            await client.CreateAsync(new Eventsv1Event
            {
                Metadata = new V1ObjectMeta { Name = name, Namespace = ns },
                EventTime = now,
                Type = type,
                Reason = reason,
                Action = action,
                Note = note.Length > 1024 ? note[..1024] : note,
                ReportingController = reportingController,
                ReportingInstance = reportingInstance,
                Regarding = new V1ObjectReference
                {
                    ApiVersion = regarding.ApiVersion,
                    Kind = regarding.Kind,
                    Name = meta.Name,
                    Namespace = meta.Namespace,
                    Uid = meta.Uid,
                    ResourceVersion = meta.ResourceVersion,
                },
            }, cancellationToken: cancellationToken).ConfigureAwait(false);
            _correlator.Created(key, name);
        }
        catch (Exception ex) when (ex is KubeApiException or HttpRequestException or TimeoutException or IOException)
        {
            _logger.LogWarning(ex, "Could not record event {Reason} about {Name}", reason, meta.Name);
        }
    }
}
