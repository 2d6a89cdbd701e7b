namespace KubeCloud.Operator.Admission;

/// <summary>The operation an AdmissionReview asks about.</summary>
public enum AdmissionOperation
{
    Create,
    Update,
    Delete,
}

/// <summary>
/// One request to the validating webhook, reduced to what the rules need: the object (null on
/// delete), the old object (on update and delete), the caller, the namespace.
/// </summary>
public sealed record AdmissionRequest<T>(AdmissionOperation Operation, T? Object, T? OldObject, AdmissionCaller Caller)
    where T : class;

/// <summary>Builds <see cref="AdmissionRequest{T}"/>s.</summary>
public static class AdmissionRequest
{
    public static AdmissionRequest<T> Create<T>(T obj, AdmissionCaller caller)
        where T : class => new(AdmissionOperation.Create, obj, null, caller);

    public static AdmissionRequest<T> Update<T>(T obj, T old, AdmissionCaller caller)
        where T : class => new(AdmissionOperation.Update, obj, old, caller);

    public static AdmissionRequest<T> Delete<T>(T old, AdmissionCaller caller)
        where T : class => new(AdmissionOperation.Delete, null, old, caller);
}
