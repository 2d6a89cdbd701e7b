using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace KubeCloud.Crds.Yaml;

/// <summary>
/// Renders a JSON tree as one block-style YAML document, keys in the tree's order, strings
/// quoted only where YAML (1.1, as kubectl's parser reads it, or 1.2) would otherwise read
/// them as something else.
/// </summary>
public static partial class CrdYamlWriter
{
    /// <summary>The command that regenerates the checked-in CRDs.</summary>
    public const string RegenerateCommand = "dotnet run --project crds/KubeCloud.CrdGen";

    /// <summary>The header of every generated file.</summary>
    public static string Header =>
        "# Generated from the C# API types in crds/KubeCloud.Api by KubeCloud.CrdGen. DO NOT EDIT.\n" +
        $"# Regenerate with: {RegenerateCommand}\n";

    /// <summary>The YAML text of <paramref name="node"/>, with the generated-file header when <paramref name="withHeader"/>.</summary>
    public static string Write(JsonNode node, bool withHeader = true)
    {
        ArgumentNullException.ThrowIfNull(node);
        using var writer = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        var emitter = new Emitter(writer, bestIndent: 2, bestWidth: int.MaxValue, isCanonical: false);
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart(null, null, isImplicit: true));
        Emit(emitter, node);
        emitter.Emit(new DocumentEnd(isImplicit: true));
        emitter.Emit(new StreamEnd());
        var text = writer.ToString().Replace("\r\n", "\n", StringComparison.Ordinal);
        return withHeader ? Header + text : text;
    }

    private static void Emit(IEmitter emitter, JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                emitter.Emit(new MappingStart(null, null, isImplicit: true, obj.Count == 0 ? MappingStyle.Flow : MappingStyle.Block));
                foreach (var (key, value) in obj)
                {
                    EmitString(emitter, key);
                    Emit(emitter, value);
                }

                emitter.Emit(new MappingEnd());
                break;
            case JsonArray array:
                emitter.Emit(new SequenceStart(null, null, isImplicit: true, array.Count == 0 ? SequenceStyle.Flow : SequenceStyle.Block));
                foreach (var item in array)
                {
                    Emit(emitter, item);
                }

                emitter.Emit(new SequenceEnd());
                break;
            case null:
                emitter.Emit(new Scalar(null, null, "null", ScalarStyle.Plain, isPlainImplicit: true, isQuotedImplicit: false));
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                EmitString(emitter, value.GetValue<string>());
                break;
            case JsonValue value:
                emitter.Emit(new Scalar(null, null, value.ToJsonString(), ScalarStyle.Plain, isPlainImplicit: true, isQuotedImplicit: false));
                break;
        }
    }

    private static void EmitString(IEmitter emitter, string text)
    {
        var style = NeedsQuotes(text) ? ScalarStyle.SingleQuoted : ScalarStyle.Any;
        if (text.Contains('\n', StringComparison.Ordinal))
        {
            style = ScalarStyle.Literal;
        }

        emitter.Emit(new Scalar(null, null, text, style, isPlainImplicit: style == ScalarStyle.Any, isQuotedImplicit: true));
    }

    /// <summary>Whether a plain scalar with this text would be read back as something other than this string.</summary>
    public static bool NeedsQuotes(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length == 0 || NonStringPlainScalar().IsMatch(text) || text.Trim() != text;
    }

    // null, booleans of YAML 1.1 and 1.2, integers (decimal, octal, hex, binary, with underscores),
    // floats, infinities, NaN, sexagesimal numbers and timestamps.
    [GeneratedRegex(
        @"^(~|null|Null|NULL|y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF" +
        @"|[-+]?[0-9_]+(\.[0-9_]*)?([eE][-+]?[0-9]+)?|[-+]?\.[0-9_]+([eE][-+]?[0-9]+)?|[-+]?0[xX][0-9a-fA-F_]+|[-+]?0[bB][01_]+|[-+]?0[oO][0-7_]+" +
        @"|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?" +
        @"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ].*)?|<<|=)$")]
    private static partial Regex NonStringPlainScalar();

    /// <summary>Joins several documents into one multi-document YAML stream.</summary>
    public static string WriteStream(IEnumerable<JsonNode> documents)
    {
        ArgumentNullException.ThrowIfNull(documents);
        var builder = new StringBuilder();
        foreach (var document in documents)
        {
            builder.Append("---\n").Append(Write(document, withHeader: false));
        }

        return builder.ToString();
    }
}
