using k8s.Models;

namespace KubeCloud.ApiServer.Auth;

/// <summary>
/// The RBAC objects of a cluster compiled for lookups: roles by name, and bindings indexed by
/// subject (user name, group name; a service account subject is indexed under its user name
/// <c>system:serviceaccount:&lt;ns&gt;:&lt;name&gt;</c>). Immutable; rebuilt when the objects change.
/// </summary>
public sealed class RbacPolicy
{
    private readonly Dictionary<string, PolicyRuleMatch[]> clusterRoles = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Namespace, string Name), PolicyRuleMatch[]> roles = [];
    private readonly Dictionary<string, List<BoundSubject>> clusterUsers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<BoundSubject>> clusterGroups = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Namespace, string Name), List<BoundSubject>> namespacedUsers = [];
    private readonly Dictionary<(string Namespace, string Name), List<BoundSubject>> namespacedGroups = [];

    private RbacPolicy()
    {
    }

    /// <summary>Number of bindings (cluster and namespaced) compiled.</summary>
    public int BindingCount { get; private set; }

    /// <summary>Reads and compiles the Roles, ClusterRoles, RoleBindings and ClusterRoleBindings of the source.</summary>
    public static RbacPolicy Load(IClusterObjectSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var policy = new RbacPolicy();
        foreach (var json in source.List(RbacResources.Group, RbacResources.ClusterRoles))
        {
            var role = KubeJson.Deserialize<V1ClusterRole>(json);
            if (role?.Metadata?.Name is { } name)
            {
                policy.clusterRoles[name] = Compile(role.Rules);
            }
        }

        foreach (var json in source.List(RbacResources.Group, RbacResources.Roles))
        {
            var role = KubeJson.Deserialize<V1Role>(json);
            if (role?.Metadata is { Name: { } name, NamespaceProperty: { } ns })
            {
                policy.roles[(ns, name)] = Compile(role.Rules);
            }
        }

        var order = 0;
        foreach (var json in source.List(RbacResources.Group, RbacResources.ClusterRoleBindings))
        {
            var binding = KubeJson.Deserialize<V1ClusterRoleBinding>(json);
            if (binding?.Metadata?.Name is { } name && binding.RoleRef is { } roleRef)
            {
                policy.Index(order++, "ClusterRoleBinding", name, "", roleRef, binding.Subjects);
            }
        }

        foreach (var json in source.List(RbacResources.Group, RbacResources.RoleBindings))
        {
            var binding = KubeJson.Deserialize<V1RoleBinding>(json);
            if (binding?.Metadata is { Name: { } name, NamespaceProperty: { } ns } && binding.RoleRef is { } roleRef)
            {
                policy.Index(order++, "RoleBinding", name, ns, roleRef, binding.Subjects);
            }
        }

        policy.BindingCount = order;
        return policy;
    }

    /// <summary>
    /// Visits the rules that apply to the user in the namespace: those of ClusterRoleBindings
    /// first, then those of RoleBindings in the namespace (none for a cluster-scoped request).
    /// The visitor returns false to stop. A binding whose role does not exist reports an error.
    /// </summary>
    public void VisitRulesFor(UserInfo user, string @namespace, IRuleVisitor visitor)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(visitor);
        if (!VisitBindings(Candidates(clusterUsers, clusterGroups, user, name => name), visitor))
        {
            return;
        }

        if (!string.IsNullOrEmpty(@namespace))
        {
            VisitBindings(Candidates(namespacedUsers, namespacedGroups, user, name => (@namespace, name)), visitor);
        }
    }

    private bool VisitBindings(List<BoundSubject> candidates, IRuleVisitor visitor)
    {
        var lastOrder = -1;
        foreach (var bound in candidates)
        {
            if (bound.Order == lastOrder)
            {
                continue;
            }

            lastOrder = bound.Order;
            var rules = bound.RoleKind == RbacResources.RoleKind
                ? roles.GetValueOrDefault((bound.BindingNamespace, bound.RoleName))
                : bound.RoleKind == RbacResources.ClusterRoleKind ? clusterRoles.GetValueOrDefault(bound.RoleName) : null;
            if (rules is null)
            {
                var resource = bound.RoleKind == RbacResources.RoleKind ? "role" : "clusterrole";
                if (!visitor.Visit(bound, null, $"{resource}.{RbacResources.Group} \"{bound.RoleName}\" not found"))
                {
                    return false;
                }

                continue;
            }

            foreach (var rule in rules)
            {
                if (!visitor.Visit(bound, rule, null))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static List<BoundSubject> Candidates<TKey>(
        Dictionary<TKey, List<BoundSubject>> users, Dictionary<TKey, List<BoundSubject>> groups, UserInfo user, Func<string, TKey> key)
        where TKey : notnull
    {
        var result = new List<BoundSubject>();
        if (users.TryGetValue(key(user.Name), out var byUser))
        {
            result.AddRange(byUser);
        }

        foreach (var group in user.Groups)
        {
            if (groups.TryGetValue(key(group), out var byGroup))
            {
                result.AddRange(byGroup);
            }
        }

        if (result.Count > 1)
        {
            result.Sort(static (a, b) => a.Order != b.Order ? a.Order.CompareTo(b.Order) : a.SubjectIndex.CompareTo(b.SubjectIndex));
        }

        return result;
    }

    private void Index(int order, string bindingKind, string name, string ns, V1RoleRef roleRef, IList<Rbacv1Subject>? subjects)
    {
        for (var i = 0; i < (subjects?.Count ?? 0); i++)
        {
            var subject = subjects![i];
            var (key, isGroup) = subject.Kind switch
            {
                RbacResources.UserKind => (subject.Name, false),
                RbacResources.GroupKind => (subject.Name, true),
                RbacResources.ServiceAccountKind when ServiceAccountNamespace(subject, ns) is { Length: > 0 } saNs =>
                    (ServiceAccountUser.UserName(saNs, subject.Name ?? ""), false),
                _ => (null, false),
            };
            if (key is null)
            {
                continue;
            }

            var bound = new BoundSubject(order, i, bindingKind, name, ns, roleRef.Kind ?? "", roleRef.Name ?? "", Describe(subject, ns));
            if (bindingKind == "ClusterRoleBinding")
            {
                Add(isGroup ? clusterGroups : clusterUsers, key, bound);
            }
            else
            {
                Add(isGroup ? namespacedGroups : namespacedUsers, (ns, key), bound);
            }
        }
    }

    private static void Add<TKey>(Dictionary<TKey, List<BoundSubject>> index, TKey key, BoundSubject bound)
        where TKey : notnull
    {
        if (!index.TryGetValue(key, out var list))
        {
            index[key] = list = [];
        }

        list.Add(bound);
    }

    private static string ServiceAccountNamespace(Rbacv1Subject subject, string bindingNamespace) =>
        string.IsNullOrEmpty(subject.NamespaceProperty) ? bindingNamespace : subject.NamespaceProperty;

    private static string Describe(Rbacv1Subject subject, string bindingNamespace) =>
        subject.Kind == RbacResources.ServiceAccountKind
            ? $"{subject.Kind} \"{subject.Name}/{ServiceAccountNamespace(subject, bindingNamespace)}\""
            : $"{subject.Kind} \"{subject.Name}\"";

    private static PolicyRuleMatch[] Compile(IList<V1PolicyRule>? rules) =>
        rules is null ? [] : [.. rules.Select(rule => new PolicyRuleMatch(rule))];
}

/// <summary>A subject of a binding that matched a user, with what a reason names.</summary>
public sealed record BoundSubject(
    int Order,
    int SubjectIndex,
    string BindingKind,
    string BindingName,
    string BindingNamespace,
    string RoleKind,
    string RoleName,
    string SubjectDescription)
{
    private string? description;
    private string? allowedReason;

    /// <summary><c>RBAC: allowed by</c> and the description, computed once.</summary>
    public string AllowedReason => allowedReason ??= $"RBAC: allowed by {this}";

    /// <summary>As kube-apiserver describes it: <c>ClusterRoleBinding "x" of ClusterRole "y" to User "alice"</c>.</summary>
    public override string ToString() => description ??= BindingKind == "RoleBinding"
        ? $"RoleBinding \"{BindingName}/{BindingNamespace}\" of {RoleKind} \"{RoleName}\" to {SubjectDescription}"
        : $"ClusterRoleBinding \"{BindingName}\" of {RoleKind} \"{RoleName}\" to {SubjectDescription}";
}

/// <summary>Receives the rules that apply to a user; returns false to stop visiting.</summary>
public interface IRuleVisitor
{
    bool Visit(BoundSubject source, PolicyRuleMatch? rule, string? error);
}
