using KubeCloud.Operator.Admission;

namespace KubeCloud.Operator.Tests.Fixtures;

/// <summary>
/// RBAC as a table: admins may do anything; others only what <see cref="Grant"/> lists, as
/// (user, verb, resource[/subresource], namespace). Records every question, so tests can see the
/// webhook asked what it should.
/// </summary>
internal sealed class TableAuthorizer : IAccessAuthorizer
{
    public const string AdminGroup = "kubecloud-admins";

    private readonly HashSet<(string User, string Verb, string Resource, string? Namespace)> _grants = [];

    public List<AccessQuestion> Asked { get; } = [];

    public TableAuthorizer Grant(string user, string verb, string resource, string? ns)
    {
        _grants.Add((user, verb, resource, ns));
        return this;
    }

    public ValueTask<bool> IsAllowedAsync(AdmissionCaller caller, AccessQuestion question, CancellationToken cancellationToken)
    {
        lock (Asked)
        {
            Asked.Add(question);
        }

        var resource = question.Subresource is null ? question.Resource : $"{question.Resource}/{question.Subresource}";
        return ValueTask.FromResult(caller.Groups.Contains(AdminGroup) || _grants.Contains((caller.UserName, question.Verb, resource, question.Namespace)));
    }
}

/// <summary>The callers the tests use.</summary>
internal static class Callers
{
    public static readonly AdmissionCaller Admin = new("alice-admin", [TableAuthorizer.AdminGroup, "system:authenticated"]);

    public static readonly AdmissionCaller Member = new("bob", ["system:authenticated"]);
}
