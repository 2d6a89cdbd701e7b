namespace KubeCloud.ApiServer.Auth;

/// <summary>Names of the rbac.authorization.k8s.io resources and kinds.</summary>
public static class RbacResources
{
    public const string Group = "rbac.authorization.k8s.io";
    public const string ApiVersion = Group + "/v1";
    public const string Roles = "roles";
    public const string ClusterRoles = "clusterroles";
    public const string RoleBindings = "rolebindings";
    public const string ClusterRoleBindings = "clusterrolebindings";
    public const string RoleKind = "Role";
    public const string ClusterRoleKind = "ClusterRole";
    public const string UserKind = "User";
    public const string GroupKind = "Group";
    public const string ServiceAccountKind = "ServiceAccount";
    public const string All = "*";
}
