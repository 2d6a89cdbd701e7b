using System.Globalization;
using System.Text.RegularExpressions;

namespace KubeCloud.ApiServer.Serialization.Protobuf;

/// <summary>
/// The protobuf tables of the built-in kinds: <c>kube-messages.txt</c> (embedded; written by
/// <c>extract-kube-messages.py</c> from the generated.proto descriptors and Go types that kubectl carries),
/// parsed once per process. Lines are <c>package p;</c>, <c>message M {</c>, <c>}</c> and fields
/// <c>optional|repeated T name = N; // notes</c> or <c>map&lt;K, V&gt; name = N; // notes</c>.
/// </summary>
public sealed partial class ProtoSchema
{
    private const string MetaPackage = "k8s.io.apimachinery.pkg.apis.meta.v1";
    private static readonly Lazy<ProtoSchema> Embedded = new(() => Parse(ReadEmbedded()));
    private readonly Dictionary<string, ProtoMessage> _messages;

    private ProtoSchema(Dictionary<string, ProtoMessage> messages)
    {
        _messages = messages;
    }

    /// <summary>The tables embedded in this assembly.</summary>
    public static ProtoSchema Kubernetes => Embedded.Value;

    public IEnumerable<ProtoMessage> Messages => _messages.Values;

    public ProtoMessage? Message(string fullName) => _messages.GetValueOrDefault(fullName);

    /// <summary>
    /// The message of a kind: <c>apps/v1</c> Deployment is <c>k8s.io.api.apps.v1.Deployment</c> (the first label
    /// of the group names the package; the core group is <c>core</c>); kinds of meta/v1 (DeleteOptions,
    /// Status...) are found under any version.
    /// </summary>
    public ProtoMessage? ForKind(string? apiVersion, string? kind)
    {
        if (string.IsNullOrEmpty(apiVersion) || string.IsNullOrEmpty(kind))
        {
            return null;
        }

        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        var group = slash < 0 ? "" : apiVersion[..slash];
        var version = apiVersion[(slash + 1)..];
        var package = group.Length == 0 ? "core" : group.Split('.')[0];
        return Message($"k8s.io.api.{package}.{version}.{kind}") ?? Message($"{MetaPackage}.{kind}");
    }

    public static ProtoSchema Parse(string text)
    {
        var messages = new Dictionary<string, ProtoMessage>(StringComparer.Ordinal);
        var package = "";
        ProtoMessage? current = null;
        var lineNumber = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNumber++;
            var line = rawLine.Trim();
            if (line.Length == 0 || line.StartsWith("//", StringComparison.Ordinal))
            {
                continue;
            }

            if (line.StartsWith("package ", StringComparison.Ordinal))
            {
                package = line["package ".Length..].TrimEnd(';');
            }
            else if (line.StartsWith("message ", StringComparison.Ordinal))
            {
                current = new ProtoMessage($"{package}.{line["message ".Length..].TrimEnd('{', ' ')}");
                messages.Add(current.FullName, current);
            }
            else if (line == "}")
            {
                current = null;
            }
            else if (current is not null && FieldLine().Match(line) is { Success: true } m)
            {
                var notes = m.Groups["notes"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var name = m.Groups["name"].Value;
                var json = notes.FirstOrDefault(n => n.StartsWith("json=", StringComparison.Ordinal))?["json=".Length..] ?? name;
                var isMap = m.Groups["key"].Success;
                var type = ProtoType.Parse(isMap ? m.Groups["value"].Value : m.Groups["type"].Value);
                current.Add(new ProtoField(
                    int.Parse(m.Groups["number"].Value, CultureInfo.InvariantCulture),
                    name,
                    json,
                    type,
                    isMap || m.Groups["label"].Value == "repeated",
                    isMap ? ProtoType.Parse(m.Groups["key"].Value) : null,
                    notes.Contains("pointer"),
                    notes.Contains("omitempty"),
                    notes.Contains("inline") && type.Scalar == ProtoScalar.Message)); // scalars of self-marshalling types are "inline" too
            }
            else
            {
                throw new FormatException($"kube-messages.txt line {lineNumber}: cannot read \"{line}\"");
            }
        }

        var schema = new ProtoSchema(messages);
        foreach (var field in messages.Values.SelectMany(m => m.Fields))
        {
            Resolve(field.Type, messages);
            if (field.MapKey is { } key)
            {
                Resolve(key, messages);
            }
        }

        return schema;
    }

    private static void Resolve(ProtoType type, Dictionary<string, ProtoMessage> messages)
    {
        if (type.MessageName is { } name)
        {
            type.Message = messages.GetValueOrDefault(name) ?? throw new FormatException($"kube-messages.txt: message {name} is used but not defined");
        }
    }

    private static string ReadEmbedded()
    {
        using var stream = typeof(ProtoSchema).Assembly.GetManifestResourceStream("kube-messages.txt")
            ?? throw new InvalidOperationException("the embedded resource kube-messages.txt is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [GeneratedRegex(@"^(?:(?<label>optional|repeated|required) (?<type>[\w.]+)|map<(?<key>\w+), (?<value>[\w.]+)>) (?<name>\w+) = (?<number>\d+);(?: // (?<notes>.*))?$")]
    private static partial Regex FieldLine();
}
