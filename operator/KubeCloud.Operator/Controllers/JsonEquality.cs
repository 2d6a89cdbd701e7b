using k8s;

namespace KubeCloud.Operator.Controllers;

/// <summary>Two API values equal as their JSON (absent values included: <c>KubernetesJson.Serialize(null)</c> throws).</summary>
public static class JsonEquality
{
    public static bool Same(object? a, object? b) =>
        a is null || b is null ? a is null && b is null : KubernetesJson.Serialize(a) == KubernetesJson.Serialize(b);
}
