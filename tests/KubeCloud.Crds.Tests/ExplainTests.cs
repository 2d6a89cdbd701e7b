using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace KubeCloud.Crds.Tests;

/// <summary>
/// <c>kubectl explain</c> is the documentation: every field of every generated CRD carries a description a user can
/// act on, not a restatement of its name ("Memory." under <c>memory</c>, "Sockets." under <c>sockets</c>). The
/// top-level <c>metadata</c> is the exception: kubectl explains ObjectMeta from the built-in schema.
/// </summary>
public sealed partial class ExplainTests
{
    public static TheoryData<string> Kinds => [.. GeneratedCrds.Files.Select(f => f.Crd["spec"]!["names"]!["kind"]!.GetValue<string>())];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_field_has_a_description_that_says_more_than_its_name(string kind)
    {
        var crd = GeneratedCrds.Files.Single(f => f.Crd["spec"]!["names"]!["kind"]!.GetValue<string>() == kind).Crd;
        var problems = new List<string>();
        var fields = 0;
        foreach (var version in crd["spec"]!["versions"]!.AsArray())
        {
            var root = version!["schema"]!["openAPIV3Schema"]!.AsObject();
            Walk(root, kind, problems, ref fields, top: true);
        }

        Assert.True(fields > 5, $"{kind}: only {fields} fields walked");
        Assert.True(problems.Count == 0, $"{kind}: {problems.Count} of {fields} fields explain nothing:\n  " + string.Join("\n  ", problems));
    }

    private static void Walk(JsonObject schema, string path, List<string> problems, ref int fields, bool top = false)
    {
        if (schema["properties"] is JsonObject properties)
        {
            foreach (var (name, value) in properties)
            {
                if (value is not JsonObject field)
                {
                    continue;
                }

                fields++;
                var fieldPath = $"{path}.{name}";
                if (!(top && name == "metadata") && Problem(name, (string?)field["description"]) is { } problem)
                {
                    problems.Add($"{fieldPath}: {problem}");
                }

                Walk(field, fieldPath, problems, ref fields);
            }
        }

        if (schema["items"] is JsonObject items)
        {
            Walk(items, path + "[]", problems, ref fields);
        }

        if (schema["additionalProperties"] is JsonObject values)
        {
            Walk(values, path + "{}", problems, ref fields);
        }
    }

    private static string? Problem(string name, string? description)
    {
        if (string.IsNullOrWhiteSpace(description))
        {
            return "no description";
        }

        var words = description.TrimEnd('.').Trim();
        var spelled = CamelHump().Replace(name, " $1").ToLowerInvariant();
        if (string.Equals(words, spelled, StringComparison.OrdinalIgnoreCase))
        {
            return $"\"{description}\" only repeats the field's name";
        }

        return words.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length < 2 ? $"\"{description}\" is one word" : null;
    }

    [GeneratedRegex("(?<=[a-z])([A-Z])")]
    private static partial Regex CamelHump();
}
