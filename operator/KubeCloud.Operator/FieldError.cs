namespace KubeCloud.Operator;

/// <summary>
/// One refusal of bad input: the field path (as the Kubernetes API names fields,
/// <c>spec.subnets[1].gatewayIP</c>), the rule broken (a stable CamelCase name tests and metrics
/// can match) and a message a person can act on.
/// </summary>
public sealed record FieldError(string Field, string Rule, string Message)
{
    /// <summary>The line a user sees: <c>spec.subnets[1].gatewayIP: 10.0.1.1 is not inside 10.0.0.0/24</c>.</summary>
    public override string ToString() => $"{Field}: {Message}";
}
