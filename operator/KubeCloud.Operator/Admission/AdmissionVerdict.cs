namespace KubeCloud.Operator.Admission;

/// <summary>The webhook's answer: allowed, or the refusals (each naming its field and rule).</summary>
public sealed record AdmissionVerdict(IReadOnlyList<FieldError> Errors)
{
    public static readonly AdmissionVerdict Allow = new([]);

    public bool Allowed => Errors.Count == 0;

    /// <summary>The AdmissionReview's status.message: every refusal, one per line as kubectl shows it.</summary>
    public string Message => string.Join("; ", Errors);
}
