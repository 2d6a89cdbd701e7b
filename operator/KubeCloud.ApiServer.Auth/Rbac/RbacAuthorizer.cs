using System.Text.Json.Nodes;
using k8s.Models;

namespace KubeCloud.ApiServer.Auth;

/// <summary>
/// kube-apiserver's RBAC authorizer over the objects of an <see cref="IClusterObjectSource"/>,
/// preceded by the <c>system:masters</c> privileged-group authorizer. Answers Allow with the
/// binding that allowed it, or NoOpinion (kube-apiserver then refuses with 403; the reason lists
/// bindings whose role is missing, as kube's does). The compiled policy is cached against the
/// revisions of the four RBAC resources when the source is an <see cref="IVersionedClusterObjectSource"/>.
/// </summary>
public sealed class RbacAuthorizer : IAuthorizer
{
    private readonly IClusterObjectSource source;
    private readonly Lock gate = new();
    private volatile Snapshot? snapshot;

    public RbacAuthorizer(IClusterObjectSource source)
    {
        this.source = source ?? throw new ArgumentNullException(nameof(source));
    }

    public AuthorizationResult Authorize(RequestAttributes attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        if (attributes.User.Groups.Contains(UserInfo.MastersGroup))
        {
            return new AuthorizationResult(AuthorizationDecision.Allow);
        }

        var visitor = new AuthorizingVisitor(attributes);
        Policy().VisitRulesFor(attributes.User, attributes.IsResourceRequest ? attributes.Namespace : "", visitor);
        if (visitor.AllowedBy is { } allowedBy)
        {
            return new AuthorizationResult(AuthorizationDecision.Allow, allowedBy.AllowedReason);
        }

        var reason = visitor.Errors.Count > 0 ? $"RBAC: {AggregateErrors(visitor.Errors)}" : "";
        return new AuthorizationResult(AuthorizationDecision.NoOpinion, reason);
    }

    /// <summary>The rules that apply to the user in the namespace (cluster-wide ones when the namespace is empty), and the errors met.</summary>
    public (IReadOnlyList<V1PolicyRule> Rules, IReadOnlyList<string> Errors) RulesFor(UserInfo user, string @namespace)
    {
        var visitor = new CollectingVisitor();
        Policy().VisitRulesFor(user, @namespace, visitor);
        return (visitor.Rules, visitor.Errors);
    }

    /// <summary>The compiled policy, rebuilt when the RBAC objects have changed.</summary>
    public RbacPolicy Policy()
    {
        if (source is not IVersionedClusterObjectSource versioned)
        {
            return PolicyByFingerprint();
        }

        var revision = (
            versioned.RevisionOf(RbacResources.Group, RbacResources.Roles),
            versioned.RevisionOf(RbacResources.Group, RbacResources.ClusterRoles),
            versioned.RevisionOf(RbacResources.Group, RbacResources.RoleBindings),
            versioned.RevisionOf(RbacResources.Group, RbacResources.ClusterRoleBindings));
        return Cached(new PolicyKey(revision.Item1, revision.Item2, revision.Item3, revision.Item4), () => RbacPolicy.Load(source));
    }

    /// <summary>The snapshot's policy when its key matches; otherwise one thread compiles and publishes a new snapshot.</summary>
    private RbacPolicy Cached(PolicyKey key, Func<RbacPolicy> load)
    {
        if (snapshot is { } current && current.Key == key)
        {
            return current.Policy;
        }

        lock (gate)
        {
            if (snapshot is { } again && again.Key == key)
            {
                return again.Policy;
            }

            var policy = load();
            snapshot = new Snapshot(key, policy);
            return policy;
        }
    }

    /// <summary>The revisions of roles, cluster roles, role bindings and cluster role bindings; or a fingerprint in the first.</summary>
    private readonly record struct PolicyKey(long Roles, long ClusterRoles, long RoleBindings, long ClusterRoleBindings);

    private sealed record Snapshot(PolicyKey Key, RbacPolicy Policy);

    /// <summary>
    /// Without revisions: lists the RBAC objects and keeps the compiled policy while every object
    /// has the same namespace, name and resourceVersion as when it was compiled. Objects without a
    /// resourceVersion defeat the cache (compiled on every request, still correct).
    /// </summary>
    private RbacPolicy PolicyByFingerprint()
    {
        var lists = new[]
        {
            source.List(RbacResources.Group, RbacResources.Roles),
            source.List(RbacResources.Group, RbacResources.ClusterRoles),
            source.List(RbacResources.Group, RbacResources.RoleBindings),
            source.List(RbacResources.Group, RbacResources.ClusterRoleBindings),
        };
        var fingerprint = new HashCode();
        foreach (var list in lists)
        {
            fingerprint.Add(list.Count);
            foreach (var item in list)
            {
                if (item["metadata"] is not JsonObject metadata
                    || metadata["resourceVersion"] is not JsonValue version
                    || !version.TryGetValue<string>(out var resourceVersion))
                {
                    return RbacPolicy.Load(new ListedObjects(lists));
                }

                fingerprint.Add((string?)metadata["namespace"]);
                fingerprint.Add((string?)metadata["name"]);
                fingerprint.Add(resourceVersion);
            }
        }

        var key = fingerprint.ToHashCode();
        return Cached(new PolicyKey(key, -1, -1, -1), () => RbacPolicy.Load(new ListedObjects(lists)));
    }

    /// <summary>The four RBAC lists already read, so that compiling does not list them again.</summary>
    private sealed class ListedObjects(IReadOnlyList<JsonObject>[] lists) : IClusterObjectSource
    {
        public IReadOnlyList<JsonObject> List(string group, string resource, string? @namespace = null) => resource switch
        {
            RbacResources.Roles => lists[0],
            RbacResources.ClusterRoles => lists[1],
            RbacResources.RoleBindings => lists[2],
            RbacResources.ClusterRoleBindings => lists[3],
            _ => [],
        };

        public JsonObject? Get(string group, string resource, string? @namespace, string name) => null;
    }

    // utilerrors.NewAggregate formats one error as itself and several as "[a, b]".
    private static string AggregateErrors(List<string> errors) =>
        errors.Count == 1 ? errors[0] : $"[{string.Join(", ", errors)}]";

    private sealed class AuthorizingVisitor(RequestAttributes request) : IRuleVisitor
    {
        public BoundSubject? AllowedBy { get; private set; }

        public List<string> Errors { get; } = [];

        public bool Visit(BoundSubject source, PolicyRuleMatch? rule, string? error)
        {
            if (rule is not null && rule.Allows(request))
            {
                AllowedBy = source;
                return false;
            }

            if (error is not null)
            {
                Errors.Add(error);
            }

            return true;
        }
    }

    private sealed class CollectingVisitor : IRuleVisitor
    {
        public List<V1PolicyRule> Rules { get; } = [];

        public List<string> Errors { get; } = [];

        public bool Visit(BoundSubject source, PolicyRuleMatch? rule, string? error)
        {
            if (rule is not null)
            {
                Rules.Add(rule.Rule);
            }

            if (error is not null)
            {
                Errors.Add(error);
            }

            return true;
        }
    }
}
