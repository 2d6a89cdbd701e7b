using System.Globalization;
using KubeCloud.ApiServer.Http;
using Microsoft.AspNetCore.Http;

namespace KubeCloud.ApiServer;

/// <summary>
/// Test-only faults for a local API server (<see cref="LocalApiServerOptions.Faults"/>): fail the next requests
/// of a verb and resource with a status code and Retry-After, drop the open watch streams (optionally in the middle
/// of an event line), and count requests and the resourceVersions watches start from. A server without it has none
/// of this. 410 Gone needs no fault (<see cref="LocalApiServer.CompactHistory"/>), nor do conflicts (a stale
/// resourceVersion is a 409).
/// </summary>
public sealed class FaultInjection
{
    private static readonly HashSet<string> Verbs = ["*", "get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"];

    private readonly Lock _gate = new();
    private readonly List<Failure> _failures = [];
    private readonly Dictionary<(string Verb, string Resource), int> _requests = [];
    private readonly Dictionary<string, List<string>> _watchedFrom = new(StringComparer.Ordinal);
    private readonly HashSet<DroppableBody> _watches = [];

    /// <summary>
    /// The next <paramref name="count"/> requests of <paramref name="verb"/> (a kube verb: get, list, watch, create,
    /// update, patch, delete, deletecollection, or * for any) on <paramref name="resource"/> ("servers" also matches
    /// its subresources, "servers/status" only that one, * any) fail with <paramref name="statusCode"/> and, when
    /// given, a Retry-After header and details.retryAfterSeconds. Failures queue: an earlier one is used up first.
    /// </summary>
    public void FailNext(string verb, string resource, int statusCode, TimeSpan? retryAfter = null, int count = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(resource);
        if (!Verbs.Contains(verb))
        {
            throw new ArgumentException($"verb must be one of {string.Join(", ", Verbs)}, not \"{verb}\"", nameof(verb));
        }

        if (statusCode is < 400 or > 599)
        {
            throw new ArgumentOutOfRangeException(nameof(statusCode), statusCode, "statusCode must be an error status (400 to 599)");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        if (retryAfter is { } delay)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero, nameof(retryAfter));
        }

        lock (_gate)
        {
            _failures.Add(new Failure(verb, resource, statusCode, retryAfter) { Remaining = count });
        }
    }

    /// <summary>
    /// Ends every open watch stream abruptly; with <paramref name="midEvent"/> it first sends half of an event line. Over
    /// HTTP/2 the abrupt end is a stream reset, after which the client may drop data it had not read yet, so the half line
    /// is certain to arrive over HTTP/1.1 only.
    /// </summary>
    public async Task DropWatchesAsync(bool midEvent = false)
    {
        DroppableBody[] open;
        lock (_gate)
        {
            open = [.. _watches];
            _watches.Clear();
        }

        foreach (var watch in open)
        {
            await watch.DropAsync(midEvent);
        }
    }

    /// <summary>How many requests of a verb (list, watch, ...) on a resource ("servers", "servers/status") arrived, failed ones included.</summary>
    public int Requests(string verb, string resource)
    {
        lock (_gate)
        {
            return _requests.GetValueOrDefault((verb, resource));
        }
    }

    /// <summary>The resourceVersion each watch of <paramref name="resource"/> started from, in order ("" for none).</summary>
    public IReadOnlyList<string> WatchResourceVersions(string resource)
    {
        lock (_gate)
        {
            return _watchedFrom.TryGetValue(resource, out var versions) ? [.. versions] : [];
        }
    }

    /// <summary>The dispatcher's one hook: counts the request, answers an injected failure, or serves it (watches droppable).</summary>
    internal async Task ServeAsync(ApiContext context, Func<Task> serve)
    {
        var info = context.Info;
        var resource = info.Subresource.Length == 0 ? info.Resource : $"{info.Resource}/{info.Subresource}";
        Failure? failure;
        lock (_gate)
        {
            _requests[(info.Verb, resource)] = _requests.GetValueOrDefault((info.Verb, resource)) + 1;
            if (info.Verb == "watch")
            {
                if (!_watchedFrom.TryGetValue(resource, out var versions))
                {
                    _watchedFrom[resource] = versions = [];
                }

                versions.Add(context.Query("resourceVersion") ?? "");
            }

            failure = _failures.FirstOrDefault(f => f.Matches(info.Verb, info.Resource, resource));
            if (failure is not null && --failure.Remaining == 0)
            {
                _failures.Remove(failure);
            }
        }

        if (failure is not null)
        {
            await WriteFailureAsync(context.Http, failure);
            return;
        }

        if (info.Verb != "watch")
        {
            await serve();
            return;
        }

        var body = new DroppableBody(context.Http);
        context.Http.Response.RegisterForDispose(body);
        lock (_gate)
        {
            _watches.Add(body);
        }

        try
        {
            await serve();
        }
        finally
        {
            lock (_gate)
            {
                _watches.Remove(body);
            }
        }

        // Thrown out of the request delegate, this makes Kestrel break the started response (no last chunk on
        // HTTP/1.1, RST_STREAM on HTTP/2) after what was written, the half event included, has been sent.
        if (body.Dropped)
        {
            throw new IOException("the watch was dropped by fault injection");
        }
    }

    private static Task WriteFailureAsync(HttpContext http, Failure failure)
    {
        var seconds = failure.RetryAfter is { } delay ? (int)Math.Ceiling(delay.TotalSeconds) : (int?)null;
        if (seconds is { } s)
        {
            http.Response.Headers.RetryAfter = s.ToString(CultureInfo.InvariantCulture);
        }

        var reason = failure.StatusCode switch
        {
            409 => "Conflict",
            429 => "TooManyRequests",
            503 => "ServiceUnavailable",
            504 => "Timeout",
            >= 500 => "InternalError",
            _ => "BadRequest",
        };
        var details = seconds is null ? null : new k8s.Models.V1StatusDetails { RetryAfterSeconds = seconds };
        return ResponseWriter.WriteStatusAsync(http, ApiException.Failure(failure.StatusCode, reason, $"injected fault: {failure.StatusCode} for {failure.Verb} {failure.Resource}", details));
    }

    private sealed record Failure(string Verb, string Resource, int StatusCode, TimeSpan? RetryAfter)
    {
        public int Remaining { get; set; }

        public bool Matches(string verb, string resource, string resourceWithSubresource) =>
            (Verb == "*" || Verb == verb) && (Resource == "*" || Resource == resourceWithSubresource || Resource == resource);
    }

    /// <summary>
    /// A watch's response body that a fault can cut: writes are serialized with the drop, so half a line is really
    /// half a line; the drop cancels the request's RequestAborted token, which ends the watch handler.
    /// </summary>
    private sealed class DroppableBody : Stream
    {
        private static readonly byte[] HalfEvent = "{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":\"partial"u8.ToArray();
        private readonly HttpContext _http;
        private readonly Stream _inner;
        private readonly SemaphoreSlim _writing = new(1, 1);
        private readonly CancellationTokenSource _drop;
        private volatile bool _dropped;

        public DroppableBody(HttpContext http)
        {
            _http = http;
            _inner = http.Response.Body;
            http.Response.Body = this;
            _drop = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
            http.RequestAborted = _drop.Token;
        }

        public bool Dropped => _dropped;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public async Task DropAsync(bool midEvent)
        {
            try
            {
                await DropOnceAsync(midEvent);
            }
            catch (ObjectDisposedException)
            {
                // The watch ended on its own (client gone) while the fault was being applied: nothing left to drop.
            }
        }

        private async Task DropOnceAsync(bool midEvent)
        {
            await _writing.WaitAsync();
            try
            {
                if (midEvent && !_dropped && _http.Response.HasStarted)
                {
                    try
                    {
                        await _inner.WriteAsync(HalfEvent);
                        await _inner.FlushAsync();
                    }
                    catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException)
                    {
                    }
                }

                _dropped = true;
            }
            finally
            {
                _writing.Release();
            }

            // Cancelled only after the release: the cancellation ends the request, which disposes this body (and its
            // semaphore) at once, and a Release after that threw ObjectDisposedException (seen in a clean-clone run).
            await _drop.CancelAsync();
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await _writing.WaitAsync(cancellationToken);
            try
            {
                ThrowIfDropped();
                await _inner.WriteAsync(buffer, cancellationToken);
            }
            finally
            {
                _writing.Release();
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async Task FlushAsync(CancellationToken cancellationToken)
        {
            await _writing.WaitAsync(cancellationToken);
            try
            {
                ThrowIfDropped();
                await _inner.FlushAsync(cancellationToken);
            }
            finally
            {
                _writing.Release();
            }
        }

        public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _writing.Dispose();
                _drop.Dispose();
            }

            base.Dispose(disposing);
        }

        private void ThrowIfDropped()
        {
            if (_dropped)
            {
                throw new IOException("the watch was dropped by fault injection");
            }
        }
    }
}
