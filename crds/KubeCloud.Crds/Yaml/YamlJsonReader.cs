using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace KubeCloud.Crds.Yaml;

/// <summary>
/// Reads YAML manifests into JSON trees the way kubectl does (sigs.k8s.io/yaml: YAML 1.1 plain
/// scalars resolve to null, booleans, integers and floats; quoted scalars are strings).
/// </summary>
public static partial class YamlJsonReader
{
    /// <summary>Every non-empty document of a YAML stream; <see cref="FormatException"/> on invalid YAML.</summary>
    public static IReadOnlyList<JsonNode> ReadAll(string yaml)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new FormatException($"invalid YAML at line {e.Start.Line}: {e.Message}", e);
        }

        return [.. stream.Documents.Select(d => ToJson(d.RootNode)).OfType<JsonNode>()];
    }

    /// <summary>The single document of a YAML text.</summary>
    public static JsonNode Read(string yaml)
    {
        var documents = ReadAll(yaml);
        return documents.Count == 1
            ? documents[0]
            : throw new FormatException($"expected one YAML document, found {documents.Count}");
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode mapping => Mapping(mapping),
        YamlSequenceNode sequence => new JsonArray([.. sequence.Children.Select(ToJson)]),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new FormatException($"unexpected YAML node {node.NodeType}"),
    };

    private static JsonObject Mapping(YamlMappingNode mapping)
    {
        var obj = new JsonObject();
        foreach (var (key, value) in mapping.Children)
        {
            var name = key is YamlScalarNode scalar ? scalar.Value ?? string.Empty : throw new FormatException($"a mapping key must be a scalar (line {key.Start.Line})");
            if (obj.ContainsKey(name))
            {
                throw new FormatException($"duplicate key \"{name}\" (line {key.Start.Line})");
            }

            obj[name] = ToJson(value);
        }

        return obj;
    }

    private static JsonValue? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? string.Empty;
        var tag = scalar.Tag.IsEmpty ? null : scalar.Tag.Value;
        if (tag is "tag:yaml.org,2002:str" || (tag is null && scalar.Style is not (ScalarStyle.Plain or ScalarStyle.Any)))
        {
            return JsonValue.Create(text);
        }

        if (text is "" or "~" or "null" or "Null" or "NULL")
        {
            return null;
        }

        if (text is "y" or "Y" or "yes" or "Yes" or "YES" or "true" or "True" or "TRUE" or "on" or "On" or "ON")
        {
            return JsonValue.Create(true);
        }

        if (text is "n" or "N" or "no" or "No" or "NO" or "false" or "False" or "FALSE" or "off" or "Off" or "OFF")
        {
            return JsonValue.Create(false);
        }

        if (IntegerText().IsMatch(text))
        {
            var digits = text.Replace("_", string.Empty, StringComparison.Ordinal);
            if (long.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
            {
                return JsonValue.Create(integer);
            }

            return JsonValue.Create(double.Parse(digits, CultureInfo.InvariantCulture));
        }

        if (HexText().IsMatch(text))
        {
            var negative = text.StartsWith('-');
            var value = long.Parse(text.TrimStart('+', '-')[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            return JsonValue.Create(negative ? -value : value);
        }

        if (FloatText().IsMatch(text))
        {
            return JsonValue.Create(double.Parse(text.Replace("_", string.Empty, StringComparison.Ordinal), CultureInfo.InvariantCulture));
        }

        return JsonValue.Create(text);
    }

    [GeneratedRegex(@"^[-+]?[0-9][0-9_]*$")]
    private static partial Regex IntegerText();

    [GeneratedRegex(@"^[-+]?0x[0-9a-fA-F]+$")]
    private static partial Regex HexText();

    [GeneratedRegex(@"^[-+]?(\.[0-9][0-9_]*|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatText();
}
