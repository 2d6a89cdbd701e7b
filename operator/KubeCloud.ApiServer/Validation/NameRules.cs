using System.Text.RegularExpressions;

namespace KubeCloud.ApiServer.Validation;

/// <summary>The name, label and key rules of apimachinery's validation package, with its messages.</summary>
public static partial class NameRules
{
    public const string SubdomainMessage = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    public const string LabelMessage = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    public const string Dns1035Message = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
    public const string LabelValueMessage = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
    public const string QualifiedNameMessage = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
    public const string ConfigKeyMessage = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Subdomain();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Label();

    [GeneratedRegex(@"^[a-z]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1035();

    [GeneratedRegex(@"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")]
    private static partial Regex LabelValue();

    [GeneratedRegex(@"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")]
    private static partial Regex QualifiedNamePart();

    [GeneratedRegex(@"^[-._a-zA-Z0-9]+$")]
    private static partial Regex ConfigKey();

    public static bool IsSubdomain(string value) => value.Length <= 253 && Subdomain().IsMatch(value);

    public static bool IsLabel(string value) => value.Length <= 63 && Label().IsMatch(value);

    public static bool IsDns1035(string value) => value.Length <= 63 && Dns1035().IsMatch(value);

    public static bool IsLabelValue(string value) => value.Length <= 63 && LabelValue().IsMatch(value);

    public static bool IsConfigKey(string value) => value.Length <= 253 && ConfigKey().IsMatch(value);

    /// <summary>A qualified name ("prefix/name" or "name"), as label and annotation keys.</summary>
    public static string? QualifiedNameError(string value)
    {
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        var name = slash < 0 ? value : value[(slash + 1)..];
        if (slash >= 0 && !IsSubdomain(value[..slash]))
        {
            return "prefix part " + SubdomainMessage;
        }

        if (name.Length == 0)
        {
            return "name part must be non-empty";
        }

        if (name.Length > 63)
        {
            return "name part must be no more than 63 characters";
        }

        return QualifiedNamePart().IsMatch(name) ? null : QualifiedNameMessage;
    }

    /// <summary>The rule a resource's names follow, as its kube-apiserver strategy declares.</summary>
    public static (Func<string, bool> IsValid, string Message) ForResource(string group, string plural) => (group, plural) switch
    {
        ("", "namespaces") => (IsLabel, LabelMessage),
        ("", "services") => (IsDns1035, Dns1035Message),
        ("rbac.authorization.k8s.io", _) => (IsPathSegment, "may not contain '/' or '%'"),
        _ => (IsSubdomain, SubdomainMessage),
    };

    private static bool IsPathSegment(string value) => value is not "." and not ".." && !value.Contains('/', StringComparison.Ordinal) && !value.Contains('%', StringComparison.Ordinal);
}
