using k8s;
using k8s.Models;
using KubeCloud.ApiServer.Tests.Support;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.Testing;

namespace KubeCloud.Operator.IntegrationTests.Rbac;

/// <summary>
/// Keystone's users and roles on the local control plane: the chart's ClusterRoles (charts/kubecloud, rendered by the
/// real helm) and one bearer token per person: alice the cloud admin (kubecloud-cloud-admin, cluster-wide), bob a member
/// of project-a, carol a member of project-b, dave a reader of project-a.
/// </summary>
public sealed class CloudUsers
{
    public const string Admin = "alice";
    public const string MemberA = "bob";
    public const string MemberB = "carol";
    public const string ReaderA = "dave";

    private readonly OperatorCluster _cluster;
    private readonly Dictionary<string, string> _tokens = [];
    private readonly string _home = Directory.CreateTempSubdirectory("kubecloud-users-").FullName;

    private CloudUsers(OperatorCluster cluster)
    {
        _cluster = cluster;
    }

    /// <summary>Renders the chart's templates with helm, applies them, and makes the four users.</summary>
    public static async Task<CloudUsers> CreateAsync(OperatorCluster cluster)
    {
        var users = new CloudUsers(cluster);
        using var admin = cluster.NewClient();
        foreach (var obj in await RenderChartAsync(users._home))
        {
            switch (obj)
            {
                case V1ClusterRole role:
                    await admin.CreateAsync(role);
                    break;
                case V1ClusterRoleBinding binding:
                    await admin.CreateAsync(binding);
                    break;
                default:
                    throw new InvalidOperationException($"the chart rendered an unexpected {obj.GetType().Name}");
            }
        }

        await admin.CreateAsync(new V1ClusterRoleBinding
        {
            Metadata = new V1ObjectMeta { Name = "cloud-admins" },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = "kubecloud-cloud-admin" },
            Subjects = [new Rbacv1Subject { ApiGroup = "rbac.authorization.k8s.io", Kind = "User", Name = Admin }],
        });
        users.Add(Admin);
        await users.AddMemberAsync(MemberA, "project-a");
        await users.AddMemberAsync(MemberB, "project-b");
        users.Add(ReaderA);
        await users.BindAsync(ReaderA, "project-a", "kubecloud-reader");
        return users;
    }

    /// <summary>Makes <paramref name="user"/> a member of the project (a RoleBinding of kubecloud-member there).</summary>
    public Task AddMemberAsync(string user, string project)
    {
        if (!_tokens.ContainsKey(user))
        {
            Add(user);
        }

        return BindAsync(user, project, "kubecloud-member");
    }

    public async Task BindAsync(string user, string ns, string clusterRole)
    {
        using var admin = _cluster.NewClient();
        await admin.CreateAsync(new V1RoleBinding
        {
            Metadata = new V1ObjectMeta { Name = $"{user}-{clusterRole}", NamespaceProperty = ns },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = clusterRole },
            Subjects = [new Rbacv1Subject { ApiGroup = "rbac.authorization.k8s.io", Kind = "User", Name = user }],
        });
    }

    /// <summary>A client authenticated as the user.</summary>
    public KubeClient ClientFor(string user) => _cluster.NewClient(_cluster.ConfigFor(_tokens[user]));

    /// <summary>kubectl (the machine's 1.32) with the user's kubeconfig and a HOME of its own.</summary>
    public ClientProcess KubectlFor(string user)
    {
        var home = Path.Combine(_home, user);
        Directory.CreateDirectory(home);
        var kubeconfig = _cluster.Server.WriteKubeconfig(_tokens[user], Path.Combine(home, "kubeconfig"));
        return new ClientProcess(kubeconfig, home);
    }

    /// <summary>kubectl with the API server's own admin kubeconfig (system:masters, which may impersonate: <c>--as</c>).</summary>
    public ClientProcess KubectlAsClusterAdmin()
    {
        var home = Path.Combine(_home, "cluster-admin");
        Directory.CreateDirectory(home);
        return new ClientProcess(_cluster.Server.KubeconfigPath, home);
    }

    private void Add(string user) => _tokens[user] = _cluster.Server.AddUser(user, "kubecloud-users");

    private static async Task<IReadOnlyList<object>> RenderChartAsync(string home)
    {
        var chart = Path.Combine(RepositoryRoot.Path, "charts", "kubecloud");
        var helm = new ClientProcess(Path.Combine(home, "no-kubeconfig"), home);
        var rendered = (await helm.RunAsync(KubeClients.Helm, $"template kubecloud {chart} --show-only templates/rbac-roles.yaml")).EnsureSuccess().Stdout;
        return KubernetesYaml.LoadAllFromString(rendered);
    }
}
