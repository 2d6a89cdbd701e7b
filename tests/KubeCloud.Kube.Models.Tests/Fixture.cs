using System.Text.Json.Nodes;

namespace KubeCloud.Kube.Models.Tests;

/// <summary>Loads the JSON fixtures copied next to the test assembly.</summary>
internal static class Fixture
{
    public static string Read(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", name));

    /// <summary>
    /// The fixture as a JSON tree with null-valued object properties removed, which is what a round trip through
    /// the models produces (nulls are omitted on write). Null array elements stay.
    /// </summary>
    public static JsonNode WithoutNullProperties(string json)
    {
        var node = JsonNode.Parse(json)!;
        RemoveNullProperties(node);
        return node;
    }

    private static void RemoveNullProperties(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var key in obj.Where(pair => pair.Value is null).Select(pair => pair.Key).ToList())
                {
                    obj.Remove(key);
                }

                foreach (var (_, value) in obj)
                {
                    RemoveNullProperties(value);
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    RemoveNullProperties(item);
                }

                break;
        }
    }
}
