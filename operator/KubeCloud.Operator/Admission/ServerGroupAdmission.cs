using KubeCloud.Api.V1Alpha1;
using KubeCloud.Operator.Quota;

namespace KubeCloud.Operator.Admission;

/// <summary>nova's server_groups quota at the door.</summary>
public sealed class ServerGroupAdmission(IObjectLookup objects) : IAdmissionValidator<ServerGroup>
{
    public ValueTask<AdmissionVerdict> ValidateAsync(AdmissionRequest<ServerGroup> request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Operation != AdmissionOperation.Create || request.Object is not { } group)
        {
            return ValueTask.FromResult(AdmissionVerdict.Allow);
        }

        var errors = new List<FieldError>();
        QuotaGate.Check(objects, group.Metadata.NamespaceProperty ?? string.Empty, new QuotaUsage { ServerGroups = 1 }, "metadata.name", errors);
        return ValueTask.FromResult(new AdmissionVerdict(errors));
    }
}
