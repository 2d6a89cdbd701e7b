namespace KubeCloud.Operator.Admission;

/// <summary>Who sent the request, as AdmissionReview's userInfo gives it (and SubjectAccessReview takes it).</summary>
public sealed record AdmissionCaller(string UserName, IReadOnlyList<string> Groups)
{
    public string? Uid { get; init; }

    public IReadOnlyDictionary<string, IReadOnlyList<string>>? Extra { get; init; }
}
