// PLACEHOLDER until the generated models land (branch models): just enough for the API types to compile. Deleted at that merge.
namespace KubeCloud.Kube.Models;
public sealed class V1ObjectMeta { public string? Name { get; set; } public string? Namespace { get; set; } public long? Generation { get; set; } public Dictionary<string,string>? Labels { get; set; } }
[AttributeUsage(AttributeTargets.Class)]
public sealed class KubernetesEntityAttribute : Attribute { public string Group { get; set; } = ""; public string ApiVersion { get; set; } = ""; public string Kind { get; set; } = ""; public string PluralName { get; set; } = ""; public bool Namespaced { get; set; } }
