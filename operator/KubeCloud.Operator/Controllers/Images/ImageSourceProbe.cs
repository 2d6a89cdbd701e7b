using System.Net;
using System.Security.Cryptography;

namespace KubeCloud.Operator.Controllers.Images;

/// <summary>What an image source answered: its size and sha256, or why the image cannot be had from it.</summary>
public sealed record ImageSourceAnswer(long? Size, string Reason, string Message, string? Checksum = null)
{
    public bool Available => Size is not null && Checksum is not null;

    /// <summary>Whether trying again may help soon (unreachable, timed out, 5xx, cut short) rather than needing someone to fix the source.</summary>
    public bool Transient => Reason == ImageSourceProbe.Unreachable;
}

/// <summary>
/// Reads an image source once, as Glance's web-download import does: a GET whose body is streamed through sha256 and
/// not kept, so the operator can fill <c>status.size</c> and <c>status.checksum</c> for the node daemons. At most
/// <see cref="OperatorSettings.ImageDigestConcurrency"/> sources are read at once; a source larger than
/// <see cref="OperatorSettings.ImageMaxSize"/> is refused before its body is read; the answer's headers and each read
/// of the body must come within <see cref="OperatorSettings.ImageSourceTimeout"/>. Each outcome is a reason a person can
/// act on: <see cref="Available"/>, <see cref="NotFound"/>, <see cref="Refused"/>, <see cref="SizeUnknown"/>,
/// <see cref="TooLarge"/>, <see cref="Unreachable"/>.
/// </summary>
public sealed class ImageSourceProbe(OperatorSettings settings) : IDisposable
{
    public const string Available = "SourceAvailable";
    public const string NotFound = "SourceNotFound";
    public const string Refused = "SourceRefused";
    public const string SizeUnknown = "SourceSizeUnknown";
    public const string TooLarge = "SourceTooLarge";
    public const string Unreachable = "SourceUnreachable";

    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = true, MaxAutomaticRedirections = 5 })
    {
        Timeout = settings.ImageSourceTimeout,
    };

    private readonly SemaphoreSlim _readers = new(settings.ImageDigestConcurrency, settings.ImageDigestConcurrency);

    /// <summary>Reads the source at <paramref name="url"/> once: its size and sha256, or the reason it cannot be had.</summary>
    public async Task<ImageSourceAnswer> DigestAsync(string url, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return new ImageSourceAnswer(null, NotFound, $"spec.source.url: '{url}' is not an http or https URL");
        }

        await _readers.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var response = await _http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            var answer = Answer(url, response);
            if (answer.Size is not { } size)
            {
                return answer;
            }

            if (size > settings.ImageMaxSize)
            {
                return new ImageSourceAnswer(null, TooLarge,
                    $"{url} answered {(int)response.StatusCode} with {size} bytes, more than the operator reads ({settings.ImageMaxSize} bytes, --image-max-size)");
            }

            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var (read, sha) = await HashAsync(stream, size, cancellationToken).ConfigureAwait(false);
                return read == size
                    ? answer with { Checksum = sha, Message = $"{answer.Message}, sha256 {sha}" }
                    : new ImageSourceAnswer(null, Unreachable, $"{url} promised {size} bytes but sent {read}");
            }
        }
        catch (HttpRequestException e)
        {
            return new ImageSourceAnswer(null, Unreachable, $"{url} is unreachable: {e.Message}");
        }
        catch (IOException e)
        {
            return new ImageSourceAnswer(null, Unreachable, $"{url} broke off while sending: {e.Message}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new ImageSourceAnswer(null, Unreachable, $"{url} did not answer within {settings.ImageSourceTimeout.TotalSeconds:0.#} s");
        }
        finally
        {
            _readers.Release();
        }
    }

    /// <summary>The body's sha256 (lowercase hex) and length, reading at most one byte past <paramref name="size"/>; each read under the timeout.</summary>
    private async Task<(long Read, string Sha256)> HashAsync(Stream body, long size, CancellationToken cancellationToken)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        long read = 0;
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        while (read <= size)
        {
            idle.CancelAfter(settings.ImageSourceTimeout);
            var n = await body.ReadAsync(buffer, idle.Token).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            sha.AppendData(buffer, 0, n);
            read += n;
        }

        return (read, Convert.ToHexStringLower(sha.GetHashAndReset()));
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

    public void Dispose()
    {
        _http.Dispose();
        _readers.Dispose();
    }
}
