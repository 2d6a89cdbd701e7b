namespace KubeCloud.Operator.Admission;

/// <summary>The validating webhook's rules for one kind, as one pure (but for the authorizer's questions) function.</summary>
public interface IAdmissionValidator<T>
    where T : class
{
    ValueTask<AdmissionVerdict> ValidateAsync(AdmissionRequest<T> request, CancellationToken cancellationToken = default);
}
