using System.Security.Cryptography;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Hosting;
using KubeCloud.Node.Compute;
using KubeCloud.Node.Hypervisor;
using KubeCloud.Node.Tests.Fixtures;
using KubeCloud.Operator;
using KubeCloud.Operator.Controllers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace KubeCloud.Node.IntegrationTests;

/// <summary>The real operator (from main) and a node daemon on the fake driver: a Server applied unbound is scheduled, built, Active and Ready, and deleted to nothing.</summary>
public sealed class OperatorEndToEndTests : IAsyncLifetime
{
    private readonly string _state = Path.Combine(Path.GetTempPath(), "kc-node-e2e-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly FakeHypervisorDriver _driver = new();
    private readonly LoopbackFileServer _files = new();
    private NodeCluster _cluster = null!;
    private WebApplication? _operator;

    public async Task InitializeAsync() => _cluster = await NodeCluster.StartAsync();

    public async Task DisposeAsync()
    {
        if (_operator is not null)
        {
            await _operator.StopAsync();
            await _operator.DisposeAsync();
        }

        await _cluster.DisposeAsync();
        _driver.Dispose();
        _files.Dispose();
        if (Directory.Exists(_state))
        {
            Directory.Delete(_state, true);
        }
    }

    [Fact]
    public async Task A_server_applied_by_a_user_is_scheduled_by_the_operator_built_by_the_node_and_deleted_to_nothing()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.AddOperatorConsole(json: true).SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddKubeCloudOperator(o =>
        {
            o.Cluster = _cluster.Config();
            o.Client = new KubeClientOptions { Retry = new RetryPolicy { BaseDelay = TimeSpan.FromMilliseconds(5) } };
        });
        builder.Services.AddKubeCloudControllers(new OperatorSettings());
        _operator = builder.Build();
        _operator.MapOperatorEndpoints();
        await _operator.StartAsync();
        await _cluster.StartNodeAsync("compute-1", _state, _driver, new InMemoryInstanceFiles());

        var file = Path.Combine(Path.GetTempPath(), "kc-e2e-image-" + Guid.NewGuid().ToString("N")[..8]);
        await File.WriteAllBytesAsync(file, new byte[4096]);
        var sha = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(file)));
        await _cluster.EnsureFlavorAndImageAsync(sha, _files.Add("guest.qcow2", file).ToString());
        await _cluster.Client.CreateAsync(new Network
        {
            Metadata = new() { Name = "private", NamespaceProperty = NodeCluster.Project },
            Spec = new NetworkSpec { Subnets = [new Subnet { Name = "v4", Cidr = "10.1.0.0/24" }] },
        });
        await _cluster.Client.CreateAsync(new Server
        {
            Metadata = new() { Name = "web", NamespaceProperty = NodeCluster.Project },
            Spec = new ServerSpec
            {
                FlavorRef = new() { Name = "m1.tiny" },
                ImageRef = new() { Name = "guest" },
                Networks = [new ServerNetwork { NetworkRef = new() { Name = "private" } }],
            },
        });

        var active = await NodeCluster.EventuallyAsync(() => _cluster.GetServerAsync("web"),
            s => s.Status?.Phase == ServerPhase.Active && Conditions.IsTrue(s.Status, ConditionTypes.Ready), "web Active and Ready", TimeSpan.FromSeconds(90));
        Assert.Equal(("compute-1", ObservedPowerState.Running), (active.Status!.Node, active.Status.PowerState));
        var address = Assert.Single(active.Status.Addresses!);
        Assert.StartsWith("10.1.0.", address.IPAddress, StringComparison.Ordinal);
        Assert.Equal(DomainState.Running, _driver.GetStatus("kc-project-a-web").State);

        await _cluster.Client.DeleteAsync<Server>("web", NodeCluster.Project);
        await NodeCluster.EventuallyAsync(async () =>
        {
            try
            {
                await _cluster.GetServerAsync("web");
                return false;
            }
            catch (NotFoundException)
            {
                return true;
            }
        }, gone => gone, "web gone", TimeSpan.FromSeconds(90));
        Assert.Null(_driver.Find("kc-project-a-web"));
    }
}
