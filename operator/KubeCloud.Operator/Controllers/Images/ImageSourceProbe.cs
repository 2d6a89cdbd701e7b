using System.Net;

namespace KubeCloud.Operator.Controllers.Images;

/// <summary>What an image source answered: its size, or why the image cannot be had from it.</summary>
public sealed record ImageSourceAnswer(long? Size, string Reason, string Message)
{
    public bool Available => Size is not null;

    /// <summary>Whether trying again may help soon (unreachable, timed out, 5xx) rather than needing someone to fix the source.</summary>
    public bool Transient => Reason == ImageSourceProbe.Unreachable;
}

/// <summary>
/// Asks an image source for its size with a HEAD request (a GET whose body is not read when the server refuses HEAD
/// with 405), under a timeout (<see cref="OperatorSettings.ImageSourceTimeout"/>). Each outcome is a reason a person
/// can act on: <see cref="Available"/>, <see cref="NotFound"/>, <see cref="Refused"/>, <see cref="SizeUnknown"/>,
/// <see cref="Unreachable"/>.
/// </summary>
public sealed class ImageSourceProbe(OperatorSettings settings) : IDisposable
{
    public const string Available = "SourceAvailable";
    public const string NotFound = "SourceNotFound";
    public const string Refused = "SourceRefused";
    public const string SizeUnknown = "SourceSizeUnknown";
    public const string Unreachable = "SourceUnreachable";

    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = true, MaxAutomaticRedirections = 5 })
    {
        Timeout = settings.ImageSourceTimeout,
    };

    public async Task<ImageSourceAnswer> ProbeAsync(string url, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return new ImageSourceAnswer(null, NotFound, $"spec.source.url: '{url}' is not an http or https URL");
        }

        try
        {
            using var head = await _http.SendAsync(new HttpRequestMessage(HttpMethod.Head, uri), HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (head.StatusCode is HttpStatusCode.MethodNotAllowed or HttpStatusCode.NotImplemented)
            {
                using var get = await _http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
                return Answer(url, get);
            }

            return Answer(url, head);
        }
        catch (HttpRequestException e)
        {
            return new ImageSourceAnswer(null, Unreachable, $"{url} is unreachable: {e.Message}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new ImageSourceAnswer(null, Unreachable, $"{url} did not answer within {settings.ImageSourceTimeout.TotalSeconds:0.#} s");
        }
    }

    private static ImageSourceAnswer Answer(string url, HttpResponseMessage response)
    {
        var code = (int)response.StatusCode;
        if (response.IsSuccessStatusCode)
        {
            return response.Content.Headers.ContentLength is > 0 and var size
                ? new ImageSourceAnswer(size, Available, $"{url} answered {code} with {size} bytes")
                : new ImageSourceAnswer(null, SizeUnknown, $"{url} answered {code} without a Content-Length (or with 0): the image's size must be known; serve the file with its length");
        }

        return response.StatusCode switch
        {
            HttpStatusCode.NotFound or HttpStatusCode.Gone => new ImageSourceAnswer(null, NotFound, $"{url} answered {code} {response.ReasonPhrase}: no file there"),
            _ when code >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests => new ImageSourceAnswer(null, Unreachable, $"{url} answered {code} {response.ReasonPhrase}"),
            _ => new ImageSourceAnswer(null, Refused, $"{url} answered {code} {response.ReasonPhrase}"),
        };
    }

    public void Dispose() => _http.Dispose();
}
