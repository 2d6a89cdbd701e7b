using KubeCloud.Api.V1Alpha1;
using KubeCloud.Operator.Quota;

namespace KubeCloud.Operator.Admission;

/// <summary>
/// Quota at the door: the namespace's usage counted from its objects, and every ProjectQuota in it
/// must have room for the request (a namespace without one is unlimited).
/// </summary>
internal static class QuotaGate
{
    public static void Check(IObjectLookup objects, string ns, QuotaUsage requested, string field, List<FieldError> errors)
    {
        var quotas = objects.List<ProjectQuota>(ns);
        if (quotas.Count == 0)
        {
            return;
        }

        var used = ProjectUsageCounter.Count(ObjectsOf(objects, ns), name => objects.Get<Flavor>(null, name));
        foreach (var quota in quotas)
        {
            foreach (var excess in QuotaCheck.Exceeded(quota.Spec.Hard, used, requested))
            {
                errors.Add(new FieldError(field, AdmissionRules.QuotaExceeded, $"{excess.Message} (ProjectQuota {ns}/{quota.Metadata.Name})"));
            }
        }
    }

    public static ProjectObjects ObjectsOf(IObjectLookup objects, string ns) => new(
        objects.List<Server>(ns),
        objects.List<Volume>(ns),
        objects.List<Network>(ns),
        objects.List<Port>(ns),
        objects.List<ServerGroup>(ns));
}
