namespace KubeCloud.ApiServer.Resources;

/// <summary>
/// Short names and categories of built-in resources. The OpenAPI document does not carry them
/// (kube-apiserver's REST storages declare them in code), so they are listed here, as there.
/// </summary>
internal static class WellKnownNames
{
    private static readonly Dictionary<string, string[]> Short = new(StringComparer.Ordinal)
    {
        ["configmaps"] = ["cm"],
        ["endpoints"] = ["ep"],
        ["events"] = ["ev"],
        ["limitranges"] = ["limits"],
        ["namespaces"] = ["ns"],
        ["nodes"] = ["no"],
        ["persistentvolumeclaims"] = ["pvc"],
        ["persistentvolumes"] = ["pv"],
        ["pods"] = ["po"],
        ["replicationcontrollers"] = ["rc"],
        ["resourcequotas"] = ["quota"],
        ["serviceaccounts"] = ["sa"],
        ["services"] = ["svc"],
        ["apps/daemonsets"] = ["ds"],
        ["apps/deployments"] = ["deploy"],
        ["apps/replicasets"] = ["rs"],
        ["apps/statefulsets"] = ["sts"],
        ["batch/cronjobs"] = ["cj"],
        ["autoscaling/horizontalpodautoscalers"] = ["hpa"],
        ["apiextensions.k8s.io/customresourcedefinitions"] = ["crd", "crds"],
        ["networking.k8s.io/ingresses"] = ["ing"],
        ["networking.k8s.io/networkpolicies"] = ["netpol"],
        ["policy/poddisruptionbudgets"] = ["pdb"],
        ["storage.k8s.io/storageclasses"] = ["sc"],
        ["certificates.k8s.io/certificatesigningrequests"] = ["csr"],
        ["scheduling.k8s.io/priorityclasses"] = ["pc"],
        ["events.k8s.io/events"] = ["ev"],
    };

    private static readonly HashSet<string> All = new(StringComparer.Ordinal)
    {
        "pods", "services", "replicationcontrollers", "apps/daemonsets", "apps/deployments", "apps/replicasets",
        "apps/statefulsets", "batch/jobs", "batch/cronjobs", "autoscaling/horizontalpodautoscalers",
    };

    public static IReadOnlyList<string> ShortNames(string group, string plural) =>
        Short.TryGetValue(Key(group, plural), out var names) ? names : [];

    public static IReadOnlyList<string> Categories(string group, string plural) =>
        All.Contains(Key(group, plural)) ? ["all"] : [];

    private static string Key(string group, string plural) => group.Length == 0 ? plural : $"{group}/{plural}";
}
