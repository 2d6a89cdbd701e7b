using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Http;
using KubeCloud.ApiServer.Resources;

namespace KubeCloud.ApiServer.Validation;

/// <summary>
/// The semantic rules of built-in kinds that the OpenAPI document cannot say and that KubeCloud,
/// kubectl and helm users meet: replicas, ports, config keys, selectors that must match templates.
/// Not kube-apiserver's full validation (see the README's list of what is not emulated).
/// </summary>
public static class BuiltInRules
{
    public static IEnumerable<FieldError> Validate(ResourceType type, JsonObject obj)
    {
        return (type.Group, type.Plural) switch
        {
            ("", "configmaps") => ConfigKeys(obj, "data").Concat(ConfigKeys(obj, "binaryData")),
            ("", "secrets") => ConfigKeys(obj, "data").Concat(ConfigKeys(obj, "stringData")),
            ("", "services") => ServicePorts(obj),
            ("", "pods") => PodSpec(obj["spec"] as JsonObject, "spec"),
            ("apps", "deployments" or "replicasets" or "statefulsets" or "daemonsets") => Workload(obj),
            _ => [],
        };
    }

    private static IEnumerable<FieldError> ConfigKeys(JsonObject obj, string field)
    {
        if (obj[field] is not JsonObject data)
        {
            yield break;
        }

        foreach (var (key, _) in data)
        {
            if (!NameRules.IsConfigKey(key))
            {
                yield return FieldError.InvalidValue($"{field}[{key}]", ObjectMetaValidator.Quote(key), NameRules.ConfigKeyMessage);
            }
        }
    }

    private static IEnumerable<FieldError> ServicePorts(JsonObject obj)
    {
        if (obj["spec"]?["ports"] is not JsonArray ports)
        {
            yield break;
        }

        for (var i = 0; i < ports.Count; i++)
        {
            if (Serialization.JsonNumbers.TryGetLong(ports[i]?["port"], out var number) && number is < 1 or > 65535)
            {
                yield return FieldError.InvalidValue($"spec.ports[{i}].port", number.ToString(), "must be between 1 and 65535, inclusive");
            }
        }
    }

    private static IEnumerable<FieldError> Workload(JsonObject obj)
    {
        var spec = obj["spec"] as JsonObject;
        if (Serialization.JsonNumbers.TryGetLong(spec?["replicas"], out var count) && count < 0)
        {
            yield return FieldError.InvalidValue("spec.replicas", count.ToString(), "must be greater than or equal to 0");
        }

        var selector = spec?["selector"]?["matchLabels"] as JsonObject;
        var labels = spec?["template"]?["metadata"]?["labels"] as JsonObject;
        if (selector is not null && selector.Any(p => labels?[p.Key]?.ToString() != p.Value?.ToString()))
        {
            yield return FieldError.InvalidValue("spec.template.metadata.labels", Storage.ObjectMetadata.StringMap(labels).Count == 0 ? "map[string]string(nil)" : "map[" + string.Join(" ", Storage.ObjectMetadata.StringMap(labels).Select(l => $"{l.Key}:{l.Value}")) + "]", "`selector` does not match template `labels`");
        }

        foreach (var error in PodSpec(spec?["template"]?["spec"] as JsonObject, "spec.template.spec"))
        {
            yield return error;
        }
    }

    private static IEnumerable<FieldError> PodSpec(JsonObject? spec, string path)
    {
        if (spec?["containers"] is not JsonArray containers)
        {
            yield break;
        }

        if (containers.Count == 0)
        {
            yield return FieldError.Required($"{path}.containers", "");
        }

        for (var i = 0; i < containers.Count; i++)
        {
            var container = containers[i] as JsonObject;
            var name = (string?)container?["name"];
            if (name is not null && !NameRules.IsLabel(name))
            {
                yield return FieldError.InvalidValue($"{path}.containers[{i}].name", ObjectMetaValidator.Quote(name), NameRules.LabelMessage);
            }

            if (container?["image"] is null)
            {
                yield return FieldError.Required($"{path}.containers[{i}].image", "");
            }

            if (container?["ports"] is JsonArray ports)
            {
                for (var p = 0; p < ports.Count; p++)
                {
                    if (Serialization.JsonNumbers.TryGetLong(ports[p]?["containerPort"], out var number) && number is < 1 or > 65535)
                    {
                        yield return FieldError.InvalidValue($"{path}.containers[{i}].ports[{p}].containerPort", number.ToString(), "must be between 1 and 65535, inclusive");
                    }
                }
            }
        }
    }
}
