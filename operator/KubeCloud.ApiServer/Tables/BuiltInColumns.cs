using KubeCloud.ApiServer.Resources;

namespace KubeCloud.ApiServer.Tables;

/// <summary>
/// Columns kube-apiserver's printers show for a few built-ins whose columns are plain fields
/// (kube declares them in code; the OpenAPI document does not carry them). Others get NAME and AGE.
/// </summary>
public static class BuiltInColumns
{
    private static readonly PrinterColumn Age = new("Age", "date", ".metadata.creationTimestamp");

    private static readonly Dictionary<(string Group, string Plural), PrinterColumn[]> Columns = new()
    {
        [("", "namespaces")] = [new("Status", "string", ".status.phase"), Age],
        [("", "pods")] = [new("Status", "string", ".status.phase"), new("Node", "string", ".spec.nodeName", Priority: 1), Age],
        [("", "services")] = [new("Type", "string", ".spec.type"), new("Cluster-IP", "string", ".spec.clusterIP"), Age],
        [("", "secrets")] = [new("Type", "string", ".type"), Age],
        [("", "persistentvolumeclaims")] = [new("Status", "string", ".status.phase"), new("Volume", "string", ".spec.volumeName"), Age],
        [("apiextensions.k8s.io", "customresourcedefinitions")] = [new("Created At", "string", ".metadata.creationTimestamp")],
        [("apps", "deployments")] = [new("Replicas", "integer", ".spec.replicas"), new("Available", "integer", ".status.availableReplicas"), Age],
    };

    public static IReadOnlyList<PrinterColumn>? For(ResourceType type) =>
        Columns.TryGetValue((type.Group, type.Plural), out var columns) ? columns : null;
}
