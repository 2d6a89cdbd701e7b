using System.Net;
using System.Text;

namespace KubeCloud.ControllerRuntime.Bench;

/// <summary>
/// Answers an informer from pre-serialized bytes: list pages by continue token, then one watch response streaming
/// canned events, then watches that stay open until cancelled. Measures the client's own cost (HTTP stack in memory,
/// JSON parsing, cache, handlers) without a server in the way.
/// </summary>
internal sealed class CannedApiHandler(IReadOnlyList<byte[]> pages, byte[] watchEvents) : DelegatingHandler
{
    private int _watches;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var query = request.RequestUri!.Query;
        if (query.Contains("watch=true", StringComparison.Ordinal))
        {
            if (Interlocked.Increment(ref _watches) == 1)
            {
                return new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(watchEvents) };
            }

            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }

        var page = 0;
        var marker = "continue=";
        var at = query.IndexOf(marker, StringComparison.Ordinal);
        if (at >= 0)
        {
            var end = query.IndexOf('&', at);
            page = int.Parse(end < 0 ? query[(at + marker.Length)..] : query[(at + marker.Length)..end], System.Globalization.CultureInfo.InvariantCulture);
        }

        return new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(pages[page]) };
    }

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
