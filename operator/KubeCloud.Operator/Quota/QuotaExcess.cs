namespace KubeCloud.Operator.Quota;

/// <summary>One resource a request would take past its limit.</summary>
public sealed record QuotaExcess(string Resource, string Limit, string Used, string Requested)
{
    /// <summary>"quota exceeded for vcpus: limit 8, used 6, requested 4".</summary>
    public string Message => $"quota exceeded for {Resource}: limit {Limit}, used {Used}, requested {Requested}";

    public override string ToString() => Message;
}
