namespace KubeCloud.Operator.Quota;

/// <summary>One resource a request would take past its limit (<see cref="Requested"/> set), or that is already past it (null).</summary>
public sealed record QuotaExcess(string Resource, string Limit, string Used, string? Requested)
{
    /// <summary>"quota exceeded for vcpus: limit 8, used 6, requested 4", or "vcpus over quota: limit 8, used 10".</summary>
    public string Message => Requested is null
        ? $"{Resource} over quota: limit {Limit}, used {Used}"
        : $"quota exceeded for {Resource}: limit {Limit}, used {Used}, requested {Requested}";

    public override string ToString() => Message;
}
