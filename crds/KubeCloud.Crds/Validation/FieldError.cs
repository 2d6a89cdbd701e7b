namespace KubeCloud.Crds.Validation;

/// <summary>The kinds of field error kube-apiserver reports (k8s.io/apimachinery/pkg/util/validation/field).</summary>
public enum FieldErrorType
{
    Required,
    Invalid,
    TypeInvalid,
    NotSupported,
    Duplicate,
    TooLong,
    TooMany,
    Forbidden,
    Internal,
    /// <summary>A field the schema does not declare, refused in strict mode.</summary>
    Unknown,
}

/// <summary>
/// One validation error, printed the way kube-apiserver prints a field.Error:
/// <c>spec.vcpus: Invalid value: -1: spec.vcpus in body should be greater than or equal to 1</c>.
/// </summary>
/// <param name="Path">The field path, for example <c>spec.networks[0].fixedIP</c>.</param>
/// <param name="Type">The error type.</param>
/// <param name="BadValue">The offending value as Go's %v/%q would print it, or null when the message omits it.</param>
/// <param name="Detail">The detail after the value, or empty.</param>
public sealed record FieldError(string Path, FieldErrorType Type, string? BadValue, string Detail)
{
    /// <summary>The words kube-apiserver uses for the error type.</summary>
    public string TypeText => Type switch
    {
        FieldErrorType.Required => "Required value",
        FieldErrorType.Invalid or FieldErrorType.TypeInvalid => "Invalid value",
        FieldErrorType.NotSupported => "Unsupported value",
        FieldErrorType.Duplicate => "Duplicate value",
        FieldErrorType.TooLong => "Too long",
        FieldErrorType.TooMany => "Too many",
        FieldErrorType.Forbidden => "Forbidden",
        FieldErrorType.Internal => "Internal error",
        FieldErrorType.Unknown => "Unknown field",
        _ => Type.ToString(),
    };

    public static FieldError Required(string path) => new(path, FieldErrorType.Required, null, string.Empty);

    public static FieldError Unknown(string path) => new(path, FieldErrorType.Unknown, null, "field not declared in schema");

    public override string ToString()
    {
        if (Type == FieldErrorType.Unknown)
        {
            // The wording of kube-apiserver's strict field validation.
            return $"unknown field \"{Path}\"";
        }

        var text = $"{DisplayPath(Path)}: {TypeText}";
        if (BadValue is not null)
        {
            text += ": " + BadValue;
        }

        if (Detail.Length > 0)
        {
            text += ": " + Detail;
        }

        return text;
    }

    internal static string DisplayPath(string path) => path.Length == 0 ? "<root>" : path;
}

/// <summary>Builds field paths the way k8s.io/apimachinery's field.Path prints them.</summary>
public static class FieldPath
{
    public static string Child(string parent, string name) => parent.Length == 0 ? name : parent + "." + name;

    public static string Index(string parent, int index) => $"{parent}[{index}]";

    public static string Key(string parent, string key) => $"{parent}[{key}]";
}
