using k8s.Models;
using KubeCloud.ApiServer.Resources;

namespace KubeCloud.ApiServer.Http;

/// <summary>A request that ends in a Kubernetes Status object, worded as kube-apiserver words it.</summary>
public sealed class ApiException : Exception
{
    public ApiException(V1Status status)
        : base(status.Message)
    {
        Status = status;
    }

    public ApiException()
        : this(Failure(500, "InternalError", "internal error"))
    {
    }

    public ApiException(string message)
        : this(Failure(500, "InternalError", message))
    {
    }

    public ApiException(string message, Exception innerException)
        : base(message, innerException)
    {
        Status = Failure(500, "InternalError", message);
    }

    public V1Status Status { get; }

    public int Code => Status.Code ?? 500;

    public static V1Status Failure(int code, string reason, string message, V1StatusDetails? details = null) => new()
    {
        Kind = "Status",
        ApiVersion = "v1",
        Metadata = new V1ListMeta(),
        Status = "Failure",
        Message = message,
        Reason = reason,
        Details = details,
        Code = code,
    };

    private static V1StatusDetails Details(GroupResource resource, string? name) => new()
    {
        Name = string.IsNullOrEmpty(name) ? null : name,
        Group = resource.Group.Length == 0 ? null : resource.Group,
        Kind = resource.Resource,
    };

    public static ApiException NotFound(GroupResource resource, string name) =>
        new(Failure(404, "NotFound", $"{resource} \"{name}\" not found", Details(resource, name)));

    public static ApiException AlreadyExists(GroupResource resource, string name) =>
        new(Failure(409, "AlreadyExists", $"{resource} \"{name}\" already exists", Details(resource, name)));

    public static ApiException Conflict(GroupResource resource, string name, string detail) =>
        new(Failure(409, "Conflict", $"Operation cannot be fulfilled on {resource} \"{name}\": {detail}", Details(resource, name)));

    public static ApiException StaleObject(GroupResource resource, string name) =>
        Conflict(resource, name, "the object has been modified; please apply your changes to the latest version and try again");

    public static ApiException Invalid(string kind, string group, string name, IReadOnlyList<FieldError> errors)
    {
        var qualified = group.Length == 0 ? kind : $"{kind}.{group}";
        var summary = errors.Count == 1 ? errors[0].ToString() : "[" + string.Join(", ", errors) + "]";
        var details = new V1StatusDetails
        {
            Name = string.IsNullOrEmpty(name) ? null : name,
            Group = group.Length == 0 ? null : group,
            Kind = kind,
            Causes = errors.Select(e => new V1StatusCause { Reason = e.Reason, Message = e.CauseMessage, Field = e.Field }).ToList(),
        };
        return new(Failure(422, "Invalid", $"{qualified} \"{name}\" is invalid: {summary}", details));
    }

    public static ApiException BadRequest(string message) => new(Failure(400, "BadRequest", message));

    public static ApiException Forbidden(GroupResource resource, string name, string message) =>
        new(Failure(403, "Forbidden", message, Details(resource, name)));

    public static ApiException Gone(string message) => new(Failure(410, "Expired", message));

    public static ApiException MethodNotSupported(GroupResource resource, string action) =>
        new(Failure(405, "MethodNotAllowed", $"{action} is not supported on resources of kind \"{resource}\"", Details(resource, null)));

    public static ApiException NotAcceptable(string message) => new(Failure(406, "NotAcceptable", message));

    public static ApiException UnsupportedMediaType(string contentType) =>
        new(Failure(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf, application/cbor; got {contentType}"));

    public static ApiException PathNotFound() => new(Failure(404, "NotFound", "the server could not find the requested resource", new V1StatusDetails()));
}

/// <summary>One field error of an Invalid status: field path, reason (FieldValueRequired...) and the detail.</summary>
public sealed record FieldError(string Field, string Reason, string Detail, string? Value = null)
{
    public static FieldError Required(string field, string detail = "") => new(field, "FieldValueRequired", detail);

    public static FieldError InvalidValue(string field, string value, string detail) => new(field, "FieldValueInvalid", detail, value);

    public static FieldError Forbidden(string field, string detail) => new(field, "FieldValueForbidden", detail);

    public static FieldError NotSupported(string field, string value, string detail) => new(field, "FieldValueNotSupported", detail, value);

    public static FieldError Duplicate(string field, string value) => new(field, "FieldValueDuplicate", "", value);

    private string Type => Reason switch
    {
        "FieldValueRequired" => "Required value",
        "FieldValueInvalid" => "Invalid value",
        "FieldValueForbidden" => "Forbidden",
        "FieldValueNotSupported" => "Unsupported value",
        "FieldValueDuplicate" => "Duplicate value",
        "FieldValueTypeInvalid" => "Invalid value",
        "FieldValueTooLong" => "Too long",
        "FieldValueTooMany" => "Too many",
        _ => "Internal error",
    };

    /// <summary>The cause message: "Required value", "Invalid value: \"x\": detail".</summary>
    public string CauseMessage
    {
        get
        {
            var text = Value is null ? Type : $"{Type}: {Value}";
            return Detail.Length == 0 ? text : $"{text}: {Detail}";
        }
    }

    public override string ToString() => $"{Field}: {CauseMessage}";
}
