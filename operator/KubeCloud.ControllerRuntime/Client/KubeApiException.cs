using System.Net;
using k8s;
using k8s.Models;

namespace KubeCloud.ControllerRuntime.Client;

/// <summary>
/// The API server refused a request. The <see cref="Status"/> is the server's own answer;
/// subclasses name the cases a controller branches on.
/// </summary>
public class KubeApiException : Exception
{
    public KubeApiException(HttpStatusCode statusCode, V1Status status)
        : base(Describe(statusCode, status))
    {
        StatusCode = statusCode;
        Status = status;
    }

    public KubeApiException(HttpStatusCode statusCode, V1Status status, Exception? inner)
        : base(Describe(statusCode, status), inner)
    {
        StatusCode = statusCode;
        Status = status;
    }

    public HttpStatusCode StatusCode { get; }

    public V1Status Status { get; }

    /// <summary>The machine-readable reason, e.g. <c>NotFound</c>, <c>AlreadyExists</c>, <c>Conflict</c>.</summary>
    public string? Reason => Status.Reason;

    /// <summary>Maps an HTTP status code and the Status body (possibly null when the body was not a Status) to the right exception type.</summary>
    public static KubeApiException From(HttpStatusCode statusCode, V1Status? status, TimeSpan? retryAfter = null)
    {
        status ??= new V1Status { Code = (int)statusCode, Status = "Failure", Message = statusCode.ToString() };
        status.Code ??= (int)statusCode;
        return (int)statusCode switch
        {
            404 => new NotFoundException(statusCode, status),
            409 when status.Reason == "AlreadyExists" => new AlreadyExistsException(statusCode, status),
            409 => new ConflictException(statusCode, status),
            422 => new InvalidException(statusCode, status),
            403 => new ForbiddenException(statusCode, status),
            401 => new UnauthorizedException(statusCode, status),
            410 => new GoneException(statusCode, status),
            429 => new TooManyRequestsException(statusCode, status, retryAfter ?? RetryAfterOf(status)),
            >= 500 => new ServerErrorException(statusCode, status),
            _ => new KubeApiException(statusCode, status),
        };
    }

    private static TimeSpan? RetryAfterOf(V1Status status) =>
        status.Details?.RetryAfterSeconds is int seconds ? TimeSpan.FromSeconds(seconds) : null;

    private static string Describe(HttpStatusCode statusCode, V1Status status) =>
        $"{(int)statusCode} {status.Reason ?? statusCode.ToString()}: {status.Message}";
}

/// <summary>404: the object (or its namespace, or the resource) does not exist.</summary>
public sealed class NotFoundException(HttpStatusCode statusCode, V1Status status) : KubeApiException(statusCode, status);

/// <summary>409 AlreadyExists: a create found an object with that name.</summary>
public sealed class AlreadyExistsException(HttpStatusCode statusCode, V1Status status) : KubeApiException(statusCode, status);

/// <summary>409 Conflict: the resourceVersion (or a precondition) was stale; re-read and try again.</summary>
public sealed class ConflictException(HttpStatusCode statusCode, V1Status status) : KubeApiException(statusCode, status);

/// <summary>422 Invalid: validation failed; <see cref="Causes"/> name the fields.</summary>
public sealed class InvalidException(HttpStatusCode statusCode, V1Status status) : KubeApiException(statusCode, status)
{
    public IReadOnlyList<V1StatusCause> Causes => [.. Status.Details?.Causes ?? []];
}

/// <summary>403: authenticated, but RBAC (or admission) refused.</summary>
public sealed class ForbiddenException(HttpStatusCode statusCode, V1Status status) : KubeApiException(statusCode, status);

/// <summary>401: the credentials were missing, wrong or expired.</summary>
public sealed class UnauthorizedException(HttpStatusCode statusCode, V1Status status) : KubeApiException(statusCode, status);

/// <summary>410 Gone: the resourceVersion is older than the server's history (compacted); relist.</summary>
public sealed class GoneException(HttpStatusCode statusCode, V1Status status) : KubeApiException(statusCode, status);

/// <summary>429: the server asks the client to slow down for <see cref="RetryAfter"/>.</summary>
public sealed class TooManyRequestsException(HttpStatusCode statusCode, V1Status status, TimeSpan? retryAfter) : KubeApiException(statusCode, status)
{
    public TimeSpan? RetryAfter { get; } = retryAfter;
}

/// <summary>5xx: the server failed; the request may or may not have taken effect.</summary>
public sealed class ServerErrorException(HttpStatusCode statusCode, V1Status status) : KubeApiException(statusCode, status);
