using System.Net;
using System.Text.Json.Nodes;

namespace KubeCloud.ApiServer.Tests.Support;

/// <summary>A watch request read as a list of events.</summary>
public static class WatchStream
{
    /// <summary>
    /// Opens a watch and returns once the server has answered with its headers (it registers the watcher before
    /// that), so changes made afterwards are certain to reach it; the returned task reads events until
    /// <paramref name="enough"/> holds, the stream ends or <paramref name="timeout"/> is up, and returns those it got.
    /// </summary>
    public static async Task<Task<List<JsonObject>>> StartAsync(HttpClient http, string path, Func<List<JsonObject>, bool> enough, TimeSpan timeout)
    {
        var cancel = new CancellationTokenSource(timeout);
        var response = await http.GetAsync(new Uri(path, UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return ReadAsync();

        async Task<List<JsonObject>> ReadAsync()
        {
            using var owned = cancel;
            using var _ = response;
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
            var events = new List<JsonObject>();
            try
            {
                while (!enough(events) && await reader.ReadLineAsync(cancel.Token) is { } line)
                {
                    events.Add(JsonNode.Parse(line)!.AsObject());
                }
            }
            catch (OperationCanceledException)
            {
            }

            return events;
        }
    }
}
