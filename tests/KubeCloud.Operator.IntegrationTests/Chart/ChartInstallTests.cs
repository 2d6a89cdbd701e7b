using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using KubeCloud.ApiServer.Tests.Support;
using KubeCloud.Operator.Webhook;
using Microsoft.Extensions.DependencyInjection;

namespace KubeCloud.Operator.IntegrationTests.Chart;

/// <summary>
/// charts/kubecloud with the real helm v4 and kubectl 1.33: lint and template with default and non-default values,
/// every rendered object accepted by the local control plane's server-side dry run with strict field validation (the
/// Kubernetes OpenAPI the repository carries, and the generated CRDs); install, upgrade and uninstall (CRDs stay);
/// the operator's and the node daemon's service accounts get exactly the permissions their code uses.
/// </summary>
public sealed partial class ChartInstallTests(ChartInstallTests.InstalledChart chart) : IClassFixture<ChartInstallTests.InstalledChart>
{
    private const string Operator = "system:serviceaccount:kubecloud-system:kubecloud-operator";
    private const string Node = "system:serviceaccount:kubecloud-system:kubecloud-node";

    /// <summary>Values a production install would change: cert-manager, a ServiceMonitor, pinned digests, three replicas, other ports.</summary>
    private const string NonDefault = "--set certManager.enabled=true,metrics.serviceMonitor.enabled=true,operator.replicas=3"
        + ",operator.image.digest=sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
        + ",node.metricsPort=19464,node.healthPort=19465,operator.vniRange=5000:6000,operator.macPrefix=fa:16:3f,rbac.flavorsReadableByAllUsers=false";

    /// <summary>Kinds of other projects' CRDs (cert-manager, prometheus-operator): not in this cluster, checked by shape only.</summary>
    private static readonly HashSet<string> ForeignKinds = ["Certificate", "Issuer", "ServiceMonitor"];

    public static TheoryData<string, string> ValueSets => new()
    {
        { "default", "" },
        { "non-default", NonDefault },
        { "operator only", "--set node.enabled=false,rbac.create=false" },
    };

    [Theory]
    [MemberData(nameof(ValueSets))]
    public async Task Helm_lint_passes(string name, string values)
    {
        var lint = await ChartRendering.Helm().RunAsync(KubeClients.Helm, $"lint {ChartRendering.ChartPath} --strict {values}");
        Assert.True(lint.ExitCode == 0, $"{name}: {lint}");
    }

    [Fact]
    public async Task Values_outside_the_schema_are_refused_naming_the_field()
    {
        var bad = await ChartRendering.Helm().RunAsync(KubeClients.Helm, $"template kubecloud {ChartRendering.ChartPath} --set operator.replicas=0");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("operator.replicas", bad.Stderr.Replace('/', '.'), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ValueSets))]
    public async Task Every_rendered_object_passes_the_servers_strict_validation(string name, string values)
    {
        var rendered = await ChartRendering.TemplateAsync(values);
        var documents = Documents(rendered).ToList();
        Assert.NotEmpty(documents);
        var ours = documents.Where(d => !ForeignKinds.Contains(KindOf(d))).ToList();
        var foreign = documents.Where(d => ForeignKinds.Contains(KindOf(d))).ToList();
        Assert.All(foreign, d => Assert.Matches(@"(?m)^apiVersion: (cert-manager\.io|monitoring\.coreos\.com)/v1$", d));
        var file = Path.Combine(chart.Home, $"rendered-{name.Replace(' ', '-')}.yaml");
        await File.WriteAllTextAsync(file, string.Join("\n---\n", ours));
        var dryRun = await chart.Kubectl($"apply --dry-run=server --validate=strict -f {file}");
        Assert.True(dryRun.ExitCode == 0, $"{name}: {dryRun}");
        Assert.Equal(ours.Count, dryRun.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.Contains("(server dry run)", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_chart_registers_every_path_the_operators_webhook_serves()
    {
        var rendered = KubernetesYaml.LoadAllFromString(await ChartRendering.TemplateAsync("--show-only templates/webhook.yaml"));
        var configuration = Assert.Single(rendered.OfType<V1ValidatingWebhookConfiguration>());
        await using var running = await chart.Cluster.StartOperatorAsync(webhook: true, controllers: false, identity: "webhook-paths");
        var served = WebhookConfiguration.ForService(running.Services.GetServices<IKindWebhook>(), "kubecloud-system", KubeCloudWebhook.ServiceName, 443, "ca");
        Assert.Equal(Describe(served), Describe(configuration));
        Assert.Equal(WebhookConfiguration.Name, configuration.Metadata.Name);
        Assert.All(configuration.Webhooks, w => Assert.Equal(KubeCloudWebhook.ServiceName, w.ClientConfig.Service.Name));
    }

    /// <summary>What the operator's code calls (README "RBAC" of the chart), each asked as its service account.</summary>
    public static TheoryData<string, string, string> Permissions => new()
    {
        // The operator: informers, finalizers, its ports, status applies, events, leases, namespaces, SubjectAccessReviews.
        { Operator, "watch servers.kubecloud.io -A", "yes" },
        { Operator, "list hypervisors.kubecloud.io", "yes" },
        { Operator, "get projectquotas.kubecloud.io -n project-a", "yes" },
        { Operator, "update servers.kubecloud.io -n project-a", "yes" },
        { Operator, "update networks.kubecloud.io -n project-a", "yes" },
        { Operator, "patch servers.kubecloud.io -n project-a", "yes" },
        { Operator, "patch ports.kubecloud.io -n project-a", "yes" }, // the Port controller: finalizer + kubecloud.io/node label in one merge patch
        { Operator, "create ports.kubecloud.io -n project-a", "yes" },
        { Operator, "delete ports.kubecloud.io -n project-a", "yes" },
        { Operator, "update servers.kubecloud.io --subresource=finalizers -n project-a", "yes" },
        { Operator, "patch servers.kubecloud.io --subresource=status -n project-a", "yes" },
        { Operator, "patch flavors.kubecloud.io --subresource=status", "yes" },
        { Operator, "patch hypervisors.kubecloud.io --subresource=status", "yes" },
        { Operator, "create events.events.k8s.io -n project-a", "yes" },
        { Operator, "patch events.events.k8s.io -n default", "yes" },
        { Operator, "watch namespaces", "yes" },
        { Operator, "create secrets -n project-a", "yes" },
        { Operator, "update volumes.kubecloud.io --subresource=finalizers -n project-a", "yes" },
        { Operator, "create subjectaccessreviews.authorization.k8s.io", "yes" },
        { Operator, "update leases.coordination.k8s.io/kubecloud-operator -n kubecloud-system", "yes" },
        { Operator, "create leases.coordination.k8s.io -n kubecloud-system", "yes" },
        // The console API (an aggregated API server): it reads the front-proxy CA and is an auth delegator as every
        // extension API server is (its get servers/console: ConsoleApiRules below).
        { Operator, "get configmaps/extension-apiserver-authentication -n kube-system", "yes" },
        { Operator, "create tokenreviews.authentication.k8s.io", "yes" },
        // ... and nothing it does not call.
        { Operator, "create servers.kubecloud.io -n project-a", "no" },
        { Operator, "delete servers.kubecloud.io -n project-a", "no" },
        { Operator, "update flavors.kubecloud.io", "no" },
        { Operator, "create hypervisors.kubecloud.io", "no" },
        { Operator, "update servers.kubecloud.io --subresource=status -n project-a", "no" },
        { Operator, "get secrets -n kubecloud-system", "no" },
        { Operator, "delete secrets -n project-a", "no" },
        { Operator, "list pods -A", "no" },
        { Operator, "create leases.coordination.k8s.io -n project-a", "no" },
        { Operator, "delete namespaces", "no" },
        { Operator, "get configmaps -n project-a", "no" },
        { Operator, "get servers.kubecloud.io --subresource=console -n project-a", "no" },
        // The node daemon: its informers, the node-cleanup finalizer, its status fields, its Hypervisor, events.
        { Node, "watch servers.kubecloud.io -A", "yes" },
        { Node, "update servers.kubecloud.io -n project-a", "yes" },
        { Node, "patch servers.kubecloud.io --subresource=status -n project-a", "yes" },
        { Node, "list ports.kubecloud.io -A", "yes" },
        { Node, "watch networks.kubecloud.io -A", "yes" },
        { Node, "watch images.kubecloud.io -A", "yes" },
        { Node, "list flavors.kubecloud.io", "yes" },
        { Node, "get hypervisors.kubecloud.io", "yes" },
        { Node, "create hypervisors.kubecloud.io", "yes" },
        { Node, "patch hypervisors.kubecloud.io --subresource=status", "yes" },
        { Node, "create events.events.k8s.io -n project-a", "yes" },
        { Node, "watch volumes.kubecloud.io -A", "yes" },
        { Node, "update volumes.kubecloud.io -n project-a", "yes" },
        { Node, "patch volumes.kubecloud.io --subresource=status -n project-a", "yes" },
        { Node, "get secrets -n project-a", "yes" },
        { Node, "list secrets -n project-a", "no" },
        { Node, "delete volumes.kubecloud.io -n project-a", "no" },
        { Node, "create servers.kubecloud.io -n project-a", "no" },
        { Node, "delete hypervisors.kubecloud.io", "no" },
        { Node, "update hypervisors.kubecloud.io", "no" },
        { Node, "patch servers.kubecloud.io -n project-a", "no" },
        { Node, "patch ports.kubecloud.io --subresource=status -n project-a", "yes" },
        { Node, "watch secrets -A", "no" },
        { Node, "create secrets -n project-a", "no" },
        { Node, "patch ports.kubecloud.io -n project-a", "no" },
        { Node, "patch images.kubecloud.io --subresource=status -n project-a", "yes" }, // its entry of status.nodes
        { Node, "patch images.kubecloud.io -n project-a", "no" },
        { Node, "create ports.kubecloud.io -n project-a", "yes" },
        { Node, "delete ports.kubecloud.io -n project-a", "yes" },
        { Node, "update ports.kubecloud.io -n project-a", "no" },
        { Node, "create subjectaccessreviews.authorization.k8s.io", "no" },
        { Node, "create leases.coordination.k8s.io -n kubecloud-system", "no" },
    };

    [Theory]
    [MemberData(nameof(Permissions))]
    public async Task The_installed_rbac_gives_each_service_account_what_its_code_calls(string account, string question, string expected)
    {
        var answer = await chart.Kubectl($"auth can-i {question} --as={account}");
        Assert.True(answer.Stdout.Trim() == expected, $"{account}: can-i {question}: {answer}");
    }

    /// <summary>
    /// get servers/console in group subresources.kubecloud.io: the operator asks the node with its own token, and the node
    /// checks that; kubectl auth can-i cannot name a resource of an aggregated group whose APIService is not available
    /// (nothing runs the operator here), so the same question goes as a SubjectAccessReview.
    /// </summary>
    public static TheoryData<string, string[], bool> ConsoleApiRules => new()
    {
        { Operator, [], true },
        { Node, [], false },
        { "bob", ["system:authenticated"], false },
    };

    [Theory]
    [MemberData(nameof(ConsoleApiRules))]
    public async Task The_installed_rbac_answers_get_servers_console_in_the_console_api_group(string user, string[] groups, bool allowed)
    {
        using var admin = chart.Cluster.NewClient();
        var review = await admin.Kubernetes.AuthorizationV1.CreateSubjectAccessReviewAsync(new V1SubjectAccessReview
        {
            Spec = new V1SubjectAccessReviewSpec
            {
                User = user,
                Groups = user.StartsWith("system:serviceaccount:", StringComparison.Ordinal) ? ["system:serviceaccounts", "system:serviceaccounts:kubecloud-system", "system:authenticated"] : groups,
                ResourceAttributes = new V1ResourceAttributes { Group = "subresources.kubecloud.io", Resource = "servers", Subresource = "console", Verb = "get", NamespaceProperty = "project-a", Name = "web-1" },
            },
        });
        Assert.True(review.Status.Allowed == allowed, $"{user}: get servers/console (subresources.kubecloud.io): allowed {review.Status.Allowed}, expected {allowed}");
    }

    [Theory]
    [InlineData(Operator)]
    [InlineData(Node)]
    public async Task No_rule_of_the_service_accounts_is_a_wildcard(string account)
    {
        var list = (await chart.Kubectl($"auth can-i --list --as={account} -n project-a")).EnsureSuccess().Stdout;
        var kubecloudRows = list.Split('\n').Where(l => l.Contains("kubecloud.io", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(kubecloudRows);
        Assert.DoesNotContain(kubecloudRows, row => row.Contains('*', StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_console_api_service_points_at_the_webhook_service_with_the_webhook_ca()
    {
        var service = (await chart.Kubectl("get apiservice v1alpha1.subresources.kubecloud.io -o jsonpath={.spec.service.namespace}/{.spec.service.name}:{.spec.service.port}")).EnsureSuccess().Stdout;
        Assert.Equal("kubecloud-system/kubecloud-operator-webhook:443", service);
        var caBundle = (await chart.Kubectl("get apiservice v1alpha1.subresources.kubecloud.io -o jsonpath={.spec.caBundle}")).EnsureSuccess().Stdout;
        Assert.Equal((await chart.Kubectl("get secret kubecloud-operator-webhook-tls -n kubecloud-system -o jsonpath={.data.ca\\.crt}")).Stdout, caBundle);

        // Nothing runs the operator's pods here (no kubelet): the API server says why the API is not available.
        await OperatorCluster.EventuallyAsync(async () =>
            (await chart.Kubectl("get apiservice v1alpha1.subresources.kubecloud.io -o jsonpath={.status.conditions[0].type}={.status.conditions[0].status}")).Stdout == "Available=False",
            "the APIService to be reported not Available");
    }

    [Fact]
    public async Task Upgrade_keeps_the_certificate_and_uninstall_keeps_the_crds()
    {
        var before = (await chart.Kubectl("get secret kubecloud-operator-webhook-tls -n kubecloud-system -o jsonpath={.data.tls\\.crt}")).EnsureSuccess().Stdout;
        var caBundle = (await chart.Kubectl("get validatingwebhookconfiguration kubecloud-operator -o jsonpath={.webhooks[0].clientConfig.caBundle}")).EnsureSuccess().Stdout;
        Assert.NotEmpty(before);
        Assert.Equal((await chart.Kubectl("get secret kubecloud-operator-webhook-tls -n kubecloud-system -o jsonpath={.data.ca\\.crt}")).Stdout, caBundle);

        (await chart.Helm($"upgrade kubecloud {ChartRendering.ChartPath} -n kubecloud-system --set operator.replicas=3")).EnsureSuccess();
        Assert.Equal("3", (await chart.Kubectl("get deployment kubecloud-operator -n kubecloud-system -o jsonpath={.spec.replicas}")).EnsureSuccess().Stdout);
        Assert.Equal(before, (await chart.Kubectl("get secret kubecloud-operator-webhook-tls -n kubecloud-system -o jsonpath={.data.tls\\.crt}")).EnsureSuccess().Stdout);
        Assert.Matches(@"kubecloud\s+kubecloud-system\s+2\s", (await chart.Helm("list -n kubecloud-system")).EnsureSuccess().Stdout);

        (await chart.Helm("uninstall kubecloud -n kubecloud-system")).EnsureSuccess();
        Assert.Contains("NotFound", (await chart.Kubectl("get deployment kubecloud-operator -n kubecloud-system")).Stderr, StringComparison.Ordinal);
        Assert.Contains("NotFound", (await chart.Kubectl("get validatingwebhookconfiguration kubecloud-operator")).Stderr, StringComparison.Ordinal);
        foreach (var plural in new[] { "flavors", "images", "networks", "ports", "volumes", "servers", "servergroups", "hypervisors", "projectquotas" })
        {
            (await chart.Kubectl($"get crd {plural}.kubecloud.io")).EnsureSuccess();
        }

        // Installed again, so the other tests of the class see it whatever the order.
        (await chart.Helm($"install kubecloud {ChartRendering.ChartPath} -n kubecloud-system")).EnsureSuccess();
    }

    private static IEnumerable<string> Documents(string yaml) =>
        DocumentSeparator().Split(yaml).Where(d => KindLine().IsMatch(d));

    private static string KindOf(string document) => KindLine().Match(document).Groups[1].Value;

    private static List<string> Describe(V1ValidatingWebhookConfiguration configuration) =>
        [.. configuration.Webhooks.Select(w => $"{w.Name} {w.ClientConfig.Service.Path} {string.Join(",", w.Rules.SelectMany(r => r.Resources))} {string.Join(",", w.Rules.SelectMany(r => r.Operations))} {w.Rules[0].Scope} {w.FailurePolicy} {w.SideEffects}")
            .Order(StringComparer.Ordinal)];

    [GeneratedRegex(@"(?m)^---\s*$")]
    private static partial Regex DocumentSeparator();

    [GeneratedRegex(@"(?m)^kind: (\w+)$")]
    private static partial Regex KindLine();

    /// <summary>The local control plane with the chart installed by helm in kubecloud-system (nothing runs its pods: there is no kubelet).</summary>
    public sealed class InstalledChart : IAsyncLifetime
    {
        public OperatorCluster Cluster { get; private set; } = null!;

        public string Home { get; } = Directory.CreateTempSubdirectory("kubecloud-chart-").FullName;

        private ClientProcess _admin = null!;

        public Task<CommandResult> Kubectl(string arguments) => _admin.RunAsync(KubeClients.Kubectl133, arguments);

        public Task<CommandResult> Helm(string arguments) => _admin.RunAsync(KubeClients.Helm, arguments, timeout: TimeSpan.FromSeconds(120));

        public async Task InitializeAsync()
        {
            Cluster = await OperatorCluster.StartAsync();
            _admin = new ClientProcess(Cluster.Server.KubeconfigPath, Home);
            (await Helm($"install kubecloud {ChartRendering.ChartPath} -n kubecloud-system")).EnsureSuccess();
        }

        public async Task DisposeAsync() => await Cluster.DisposeAsync();
    }
}
