using k8s.Models;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ApiServer.Tests.Support;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.Operator.IntegrationTests.Admission;
using KubeCloud.Operator.IntegrationTests.Volumes;
using KubeCloud.Testing;
using static KubeCloud.Operator.Tests.Fixtures.Build;

namespace KubeCloud.Operator.IntegrationTests.Kubectl;

/// <summary>
/// The plugin <c>kubectl-kubecloud</c> (the built dll, run as kubectl runs a plugin: its arguments, the user's
/// environment) against the local control plane with the operator's controllers: each verb's change is read back
/// from the API server; <c>why</c> tells what the operator wrote about a server waiting for a flavor that does not
/// exist; bad command lines exit 2 naming what is wrong.
/// </summary>
public sealed class KubectlPluginTests(KubectlPluginTests.PluginCloud cloud) : IClassFixture<KubectlPluginTests.PluginCloud>
{
    public static TheoryData<string, DesiredPowerState> PowerVerbs => new()
    {
        { "stop", DesiredPowerState.Stopped },
        { "pause", DesiredPowerState.Paused },
        { "suspend", DesiredPowerState.Suspended },
        { "start", DesiredPowerState.Running },
    };

    [Theory]
    [MemberData(nameof(PowerVerbs))]
    public async Task A_power_verb_sets_the_desired_power_state(string verb, DesiredPowerState expected)
    {
        var name = $"power-{verb}";
        await cloud.CreateServerAsync(name, configure: s => s.PowerState = expected == DesiredPowerState.Running ? DesiredPowerState.Stopped : DesiredPowerState.Running);
        var result = (await cloud.PluginAsync($"{verb} {name} -n project-a")).EnsureSuccess();
        Assert.Contains($"server.kubecloud.io/{name} {verb} requested", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(expected, (await cloud.Admin.GetAsync<Server>(name, "project-a")).Spec.PowerState);
    }

    [Fact]
    public async Task Reboot_stamps_the_reboot_annotation_each_time()
    {
        await cloud.CreateServerAsync("reboot-me");
        (await cloud.PluginAsync("reboot reboot-me --namespace=project-a")).EnsureSuccess();
        var stamp = (await cloud.Admin.GetAsync<Server>("reboot-me", "project-a")).Metadata.Annotations[ApiGroup.RebootRequestedAtAnnotation];
        Assert.True(DateTimeOffset.TryParse(stamp, System.Globalization.CultureInfo.InvariantCulture, out _), stamp);
    }

    [Fact]
    public async Task Resize_changes_the_flavor_confirms_and_reverts_an_open_resize()
    {
        var server = await cloud.CreateServerAsync("resize-me");
        var refused = await cloud.PluginAsync("resize resize-me --confirm -n project-a");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("has no resize to confirm", refused.Stderr, StringComparison.Ordinal);

        (await cloud.PluginAsync("resize resize-me m1.large -n project-a")).EnsureSuccess();
        Assert.Equal("m1.large", (await cloud.Admin.GetAsync<Server>("resize-me", "project-a")).Spec.FlavorRef.Name);

        // The operator's record of the open resize, as its Server controller writes it.
        await NodeReports.ApplyStatusAsync(cloud.Admin, server, new ServerStatus
        {
            Resize = new ServerResize { SourceNode = "n1", OldFlavor = new FlavorSnapshot { Name = "m1.small", Vcpus = 1, Memory = KubeCloud.Api.Quantity.Parse("1Gi") } },
        }, "kubecloud-operator");
        (await cloud.PluginAsync("resize resize-me --confirm -n project-a")).EnsureSuccess();
        Assert.Equal("confirm", (await cloud.Admin.GetAsync<Server>("resize-me", "project-a")).Metadata.Annotations[ServerActionAnnotations.Resize]);
        (await cloud.PluginAsync("resize resize-me --revert -n project-a")).EnsureSuccess();
        Assert.Equal("m1.small", (await cloud.Admin.GetAsync<Server>("resize-me", "project-a")).Spec.FlavorRef.Name);
    }

    [Fact]
    public async Task Why_tells_what_a_pending_server_waits_for()
    {
        await cloud.CreateServerAsync("waiting", flavor: "no-such-flavor");
        string report = "";
        await OperatorCluster.EventuallyAsync(async () =>
        {
            report = (await cloud.PluginAsync($"why waiting -n project-a --context {cloud.Context}")).EnsureSuccess().Stdout;
            return report.Contains("waiting for flavor no-such-flavor", StringComparison.Ordinal);
        }, "why to show the missing flavor");
        Assert.Contains("Server project-a/waiting: phase Scheduling", report, StringComparison.Ordinal);
        Assert.Contains("Scheduled False (WaitingForReferences)", report, StringComparison.Ordinal);
    }

    public static TheoryData<string, int, string> BadLines => new()
    {
        { "", 2, "a verb is required" },
        { "explode vm", 2, "unknown verb \"explode\"" },
        { "start", 2, "start needs the server's name" },
        { "resize vm", 2, "resize needs exactly one of FLAVOR, --confirm or --revert" },
        { "stop vm --confirm", 2, "--confirm and --revert belong to resize" },
        { "stop vm --bogus", 2, "unknown flag: --bogus" },
        { "stop nobody -n project-a", 1, "servers.kubecloud.io \"nobody\" not found in namespace project-a" },
        { "stop vm --context nowhere", 1, "nowhere" },
        { "console vm -n project-a", 1, "is the APIService v1alpha1.subresources.kubecloud.io installed?" },
        { "console vm --tail 0", 2, "--tail 0: must be a whole number of lines, at least 1" },
        { "stop vm -f", 2, "--follow and --tail belong to console" },
    };

    [Theory]
    [MemberData(nameof(BadLines))]
    public async Task A_command_line_it_cannot_take_is_one_line_and_a_non_zero_exit(string arguments, int exitCode, string message)
    {
        var result = await cloud.PluginAsync(arguments);
        Assert.Equal(exitCode, result.ExitCode);
        Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
        Assert.Single(result.Stderr.Trim().Split('\n'));
    }

    /// <summary>The local control plane, the operator's controllers, flavors m1.small and m1.large, the plugin's dll.</summary>
    public sealed class PluginCloud : IAsyncLifetime
    {
        public OperatorCluster Cluster { get; private set; } = null!;

        public KubeClient Admin { get; private set; } = null!;

        public string Context { get; private set; } = "";

        private string _home = "";

        public static string Dll
        {
            get
            {
                var tfm = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
                return Path.Combine(RepositoryRoot.Path, "operator", "KubeCloud.Kubectl.Cli", "bin", tfm.Parent!.Name, tfm.Name, "kubectl-kubecloud.dll");
            }
        }

        /// <summary>Runs the plugin as a user whose kubeconfig is the cluster's (KUBECONFIG), with a HOME of its own.</summary>
        public Task<CommandResult> PluginAsync(string arguments) =>
            new ClientProcess(Cluster.Server.KubeconfigPath, _home).RunAsync("dotnet", $"exec {Dll} {arguments}");

        public async Task<Server> CreateServerAsync(string name, string flavor = "m1.small", Action<ServerSpec>? configure = null) =>
            await Admin.CreateAsync(Server("project-a", name, flavor, configure: configure).Unstamped());

        public async Task InitializeAsync()
        {
            Assert.True(File.Exists(Dll), $"{Dll} is not built");
            Cluster = await OperatorCluster.StartAsync();
            Admin = Cluster.NewClient();
            _home = Directory.CreateTempSubdirectory("kubecloud-plugin-").FullName;
            Context = (await new ClientProcess(Cluster.Server.KubeconfigPath, _home).RunAsync(KubeClients.Kubectl132, "config current-context")).EnsureSuccess().Stdout.Trim();
            await Admin.CreateAsync(Flavor("m1.small", 1, "1Gi", "10Gi").Unstamped());
            await Admin.CreateAsync(Flavor("m1.large", 4, "8Gi", "40Gi").Unstamped());
            await Admin.CreateAsync(Image("project-a", "debian").Unstamped());
            await Cluster.StartOperatorAsync(c => c.Controllers = ["server"]);
        }

        public async Task DisposeAsync()
        {
            Admin.Dispose();
            await Cluster.DisposeAsync();
        }
    }
}

/// <summary>The annotations the plugin writes, as the operator reads them.</summary>
internal static class ServerActionAnnotations
{
    public const string Resize = KubeCloud.Operator.Controllers.Servers.ServerReconciler.ResizeAnnotation;
}
