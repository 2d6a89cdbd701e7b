using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Resources;

namespace KubeCloud.ApiServer.Crds;

/// <summary>The served resources a CustomResourceDefinition defines, one per served version.</summary>
public static class CustomResourceTypes
{
    public static readonly GroupResource Definitions = new("apiextensions.k8s.io", "customresourcedefinitions");

    private static readonly string[] Verbs = ["delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"];

    public static IReadOnlyList<ResourceType> From(JsonObject crd)
    {
        var spec = crd["spec"] as JsonObject;
        var names = spec?["names"] as JsonObject;
        var group = (string?)spec?["group"];
        var plural = (string?)names?["plural"];
        var kind = (string?)names?["kind"];
        if (spec is null || names is null || group is null || plural is null || kind is null || spec["versions"] is not JsonArray versions)
        {
            return [];
        }

        var result = new List<ResourceType>();
        foreach (var version in versions.OfType<JsonObject>())
        {
            if ((bool?)version["served"] == false || (string?)version["name"] is not { } name)
            {
                continue;
            }

            var hasStatus = version["subresources"]?["status"] is not null;
            var subresources = new List<SubresourceType>();
            if (hasStatus)
            {
                subresources.Add(new SubresourceType("status", group, name, kind, ["get", "patch", "update"]));
            }

            if (version["subresources"]?["scale"] is not null)
            {
                subresources.Add(new SubresourceType("scale", "autoscaling", "v1", "Scale", ["get", "patch", "update"]));
            }

            var columns = version["additionalPrinterColumns"] is JsonArray printerColumns
                ? printerColumns.OfType<JsonObject>().Select(c => new PrinterColumn(
                    (string?)c["name"] ?? "",
                    (string?)c["type"] ?? "string",
                    (string?)c["jsonPath"] ?? "",
                    (string?)c["description"] ?? "",
                    Serialization.JsonNumbers.TryGetLong(c["priority"], out var priority) ? (int)priority : 0,
                    (string?)c["format"] ?? "")).ToList()
                : [];
            var custom = new CustomResourceVersion(
                (string?)names["listKind"] ?? kind + "List",
                version["schema"]?["openAPIV3Schema"] as JsonObject,
                columns,
                (bool?)version["storage"] == true,
                hasStatus,
                crd);
            result.Add(new ResourceType(group, name, kind, plural, (string?)spec["scope"] != "Cluster", Verbs, subresources)
            {
                Singular = (string?)names["singular"] ?? kind.ToLowerInvariant(),
                ShortNames = Strings(names["shortNames"]),
                Categories = Strings(names["categories"]),
                Custom = custom,
            });
        }

        return result;
    }

    private static List<string> Strings(JsonNode? node) => node is JsonArray array ? array.Select(n => (string?)n ?? "").Where(s => s.Length > 0).ToList() : [];
}
