using System.Text;
using Microsoft.AspNetCore.Http;

namespace KubeCloud.Node.Agent.SerialConsole;

/// <summary>
/// The body of a console answer (200, text): each piece is written and flushed at once, so a followed console reaches
/// the reader as the guest prints; with a byte limit (<c>limitBytes</c>) the answer ends where the limit falls.
/// </summary>
internal sealed class ConsoleOutput(HttpResponse response, long? limitBytes)
{
    private long _written;

    /// <summary>Writes <paramref name="text"/> (cut at the limit); false once the limit is reached and nothing more may follow.</summary>
    public async Task<bool> WriteAsync(string text, CancellationToken cancellationToken)
    {
        if (!response.HasStarted)
        {
            response.StatusCode = 200;
            response.ContentType = "text/plain; charset=utf-8";
            await response.StartAsync(cancellationToken);
        }

        var bytes = Encoding.UTF8.GetBytes(text);
        var count = limitBytes is { } limit ? (int)Math.Min(bytes.Length, limit - _written) : bytes.Length;
        if (count > 0)
        {
            await response.Body.WriteAsync(bytes.AsMemory(0, count), cancellationToken);
            await response.Body.FlushAsync(cancellationToken);
            _written += count;
        }

        return limitBytes is not { } max || _written < max;
    }
}
