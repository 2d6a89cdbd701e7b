using System.Globalization;
using System.Text.Json;
using k8s.Models;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;

namespace KubeCloud.Operator.Scale.Bench;

/// <summary>
/// Every stored write of a wave, by resource and by writer, read back from the API server itself: each write that
/// changed an object made one revision, and a watch from the revision before the wave replays them all (the API server
/// keeps 200,000 changes of history for the bench). The writer of a change is the managedFields entry it added or
/// touched (manager, operation, subresource); a write whose entry did not change (same manager, same fields, same
/// second) is counted as "same entry". Writes that changed nothing are not stored, so not counted here; the
/// operator's request metrics count those.
/// </summary>
public static class WriteTally
{
    /// <summary>The store's revision now (a list's resourceVersion).</summary>
    public static async Task<long> RevisionAsync(IKubeClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var list = await client.ListAsync<Flavor>(options: new ListOptions { Limit = 1 }, cancellationToken: cancellationToken);
        return long.Parse(list.Metadata?.ResourceVersion ?? "0", CultureInfo.InvariantCulture);
    }

    /// <summary>The writes between <paramref name="from"/> (exclusive) and <paramref name="to"/> (inclusive) to the wave's kinds.</summary>
    public static async Task<IReadOnlyList<WriteCount>> CountAsync(IKubeClient client, string @namespace, long from, long to, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var counts = new Dictionary<(string Resource, string Writer), int>();
        await CountAsync<Server>(client, @namespace, from, to, counts, "servers", cancellationToken);
        await CountAsync<Hypervisor>(client, null, from, to, counts, "hypervisors", cancellationToken);
        await CountAsync<Port>(client, @namespace, from, to, counts, "ports", cancellationToken);
        await CountAsync<Volume>(client, @namespace, from, to, counts, "volumes", cancellationToken);
        await CountAsync<Eventsv1Event>(client, @namespace, from, to, counts, "events", cancellationToken);
        return [.. counts.Select(c => new WriteCount(c.Key.Resource, c.Key.Writer, c.Value)).OrderBy(c => c.Resource, StringComparer.Ordinal).ThenByDescending(c => c.Count)];
    }

    private static async Task CountAsync<T>(IKubeClient client, string? @namespace, long from, long to, Dictionary<(string, string), int> counts, string resource, CancellationToken cancellationToken)
        where T : class, k8s.IKubernetesObject<V1ObjectMeta>
    {
        var last = new Dictionary<string, IList<V1ManagedFieldsEntry>?>(StringComparer.Ordinal);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            await foreach (var (type, obj) in client.WatchAsync<T>(@namespace, new WatchOptions { ResourceVersion = from.ToString(CultureInfo.InvariantCulture), AllowWatchBookmarks = true, TimeoutSeconds = 5 }, timeout.Token))
            {
                var revision = long.Parse(obj.Metadata?.ResourceVersion ?? "0", CultureInfo.InvariantCulture);
                if (revision > to)
                {
                    break;
                }

                if (type == WatchEventType.Bookmark)
                {
                    if (revision >= to)
                    {
                        break;
                    }

                    continue;
                }

                var key = $"{obj.Metadata!.NamespaceProperty}/{obj.Metadata.Name}";
                var fields = obj.Metadata.ManagedFields;
                var writer = type switch
                {
                    WatchEventType.Added => "create",
                    WatchEventType.Deleted => "delete",
                    _ when last.TryGetValue(key, out var before) => Changed(before, fields) ?? "same entry (same manager and fields, same second)",

                    // First seen as a change (made before the wave): the entry written last.
                    _ => fields?.MaxBy(e => e.Time) is { } latest ? Describe(latest) : "unknown",
                };
                last[key] = fields;
                counts[(resource, writer)] = counts.GetValueOrDefault((resource, writer)) + 1;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            counts[(resource, "(tally gave up after 60 s)")] = 0;
        }
    }

    /// <summary>The managedFields entry a write added or changed, as "manager operation [subresource]".</summary>
    private static string? Changed(IList<V1ManagedFieldsEntry>? before, IList<V1ManagedFieldsEntry>? after)
    {
        var old = (before ?? []).Select(Fingerprint).ToHashSet(StringComparer.Ordinal);
        var moved = (after ?? []).Where(e => !old.Contains(Fingerprint(e))).ToList();
        return moved.Count == 0 ? null : string.Join(" + ", moved.Select(Describe));
    }

    private static string Describe(V1ManagedFieldsEntry e) => $"{e.Manager} {e.Operation}{(string.IsNullOrEmpty(e.Subresource) ? string.Empty : " " + e.Subresource)}";

    private static string Fingerprint(V1ManagedFieldsEntry e) =>
        $"{e.Manager}|{e.Operation}|{e.Subresource}|{e.Time?.ToString("O", CultureInfo.InvariantCulture)}|{JsonSerializer.Serialize(e.FieldsV1)}";
}

/// <summary>Stored writes to one resource by one writer.</summary>
public sealed record WriteCount(string Resource, string Writer, int Count);
