using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;

namespace KubeCloud.Operator.Admission;

/// <summary>
/// What the schema cannot say about a ProjectQuota: its quantities are not negative. Who may set
/// quotas at all is RBAC's part (only the admin role has write on projectquotas); a limit below
/// the current usage is allowed, as in nova: nothing new fits until usage drops.
/// </summary>
public sealed class ProjectQuotaAdmission : IAdmissionValidator<ProjectQuota>
{
    public ValueTask<AdmissionVerdict> ValidateAsync(AdmissionRequest<ProjectQuota> request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new List<FieldError>();
        if (request.Object?.Spec.Hard is { } hard)
        {
            if (hard.Memory is { } memory && memory < Quantity.Zero)
            {
                errors.Add(new FieldError("spec.hard.memory", AdmissionRules.QuotaValid, $"{memory} is negative"));
            }

            if (hard.VolumeStorage is { } storage && storage < Quantity.Zero)
            {
                errors.Add(new FieldError("spec.hard.volumeStorage", AdmissionRules.QuotaValid, $"{storage} is negative"));
            }
        }

        return ValueTask.FromResult(new AdmissionVerdict(errors));
    }
}
