using System.Net;
using k8s;
using k8s.Models;
using KubeCloud.ApiServer;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Config;
using KubeCloud.ControllerRuntime.Hosting;
using KubeCloud.ControllerRuntime.LeaderElection;
using KubeCloud.Operator.Controllers;
using KubeCloud.Operator.Webhook;
using KubeCloud.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KubeCloud.Operator.IntegrationTests;

/// <summary>
/// The local control plane with every KubeCloud CRD, and operators started in this process against it (as many as a
/// test wants, each stoppable to play a crash or a failover). The tests play the node daemon by patching status as it
/// would (see <c>operator/KubeCloud.Operator/README.md</c>, "The node daemon's side").
/// </summary>
public sealed class OperatorCluster : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>The namespaces (projects) the tests write to, created at start.</summary>
    public static readonly string[] Namespaces = ["kubecloud-system", "project-a", "project-b"];

    private readonly List<RunningOperator> _operators = [];

    private OperatorCluster(LocalApiServer server, FaultInjection faults)
    {
        Server = server;
        Faults = faults;
    }

    public LocalApiServer Server { get; }

    public FaultInjection Faults { get; }

    public static async Task<OperatorCluster> StartAsync(string? dataDirectory = null)
    {
        var faults = new FaultInjection();
        var options = new LocalApiServerOptions { WatchHistorySize = 50_000, Faults = faults, DataDirectory = dataDirectory };
        foreach (var file in Directory.GetFiles(Path.Combine(RepositoryRoot.Path, "crds"), "kubecloud.io_*.yaml").Order(StringComparer.Ordinal))
        {
            options.CrdFiles.Add(file);
        }

        var cluster = new OperatorCluster(await LocalApiServer.StartAsync(options), faults);
        using var client = cluster.NewClient();
        foreach (var ns in Namespaces)
        {
            await client.CreateAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        }

        return cluster;
    }

    /// <summary>A fresh admin configuration, read from the kubeconfig the server wrote (CA data, token).</summary>
    public KubernetesClientConfiguration Config() => ClusterConfig.FromKubeconfig(Server.KubeconfigPath);

    /// <summary>A configuration for a user with a bearer token (see <see cref="LocalApiServer.AddUser"/>).</summary>
    public KubernetesClientConfiguration ConfigFor(string token) => ClusterConfig.FromKubeconfig(Server.WriteKubeconfig(token, Path.Combine(Path.GetTempPath(), $"kc-{Guid.NewGuid():N}.kubeconfig")));

    public KubeClient NewClient(KubernetesClientConfiguration? config = null) =>
        new(config ?? Config(), new KubeClientOptions { Retry = new RetryPolicy { BaseDelay = TimeSpan.FromMilliseconds(5) } });

    /// <summary>
    /// Starts an operator (every controller of <see cref="KubeCloudControllers"/>) in this process. With
    /// <paramref name="leaderElection"/> it takes part in the election on the Lease <c>kubecloud-system/kubecloud-operator</c>
    /// with short timings; stop it with <see cref="RunningOperator.StopAsync"/> or let the cluster's dispose do it.
    /// With <paramref name="webhook"/> it also serves the validating webhook on a loopback HTTPS port (a certificate made
    /// for it) and the ValidatingWebhookConfiguration <c>kubecloud-operator</c> is created (or replaced) to call it; the
    /// call returns once the webhook's caches have synced. Without <paramref name="controllers"/> only the webhook runs
    /// (admission tests that set statuses by hand, with no controller to rewrite them).
    /// </summary>
    public async Task<RunningOperator> StartOperatorAsync(
        Action<OperatorSettings>? configure = null, string identity = "operator-1", bool leaderElection = false, bool webhook = false, bool controllers = true,
        IReadOnlyCollection<string>? nodeServiceAccounts = null)
    {
        var settings = new OperatorSettings();
        configure?.Invoke(settings);
        var builder = WebApplication.CreateSlimBuilder();
        ListenOptions? health = null;
        ListenOptions? webhookListener = null;
        var certificate = webhook ? WebhookCertificate.Create(KubeCloudWebhook.ServiceName, settings.Namespace, DateTimeOffset.UtcNow) : null;
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0, l => health = l.Named(OperatorListeners.Metrics, OperatorListeners.Health));
            if (certificate is not null)
            {
                webhookListener = k.ListenKubeCloudWebhook(new IPEndPoint(IPAddress.Loopback, 0), certificate);
            }
        });
        builder.Logging.AddOperatorConsole(json: true).SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddKubeCloudOperator(o =>
        {
            o.Cluster = Config();
            o.Client = new KubeClientOptions { Retry = new RetryPolicy { BaseDelay = TimeSpan.FromMilliseconds(5) } };
            o.HealthUrl = null;
            o.LeaderElection = leaderElection
                ? new LeaderElectionOptions
                {
                    LeaseName = "kubecloud-operator",
                    LeaseNamespace = "kubecloud-system",
                    Identity = identity,
                    LeaseDuration = TimeSpan.FromMilliseconds(1500),
                    RenewDeadline = TimeSpan.FromMilliseconds(1000),
                    RetryPeriod = TimeSpan.FromMilliseconds(200),
                }
                : null;
        });
        if (controllers)
        {
            builder.Services.AddKubeCloudControllers(settings);
        }

        if (webhook)
        {
            builder.Services.AddKubeCloudWebhook(nodeServiceAccounts);
        }

        var app = builder.Build();
        app.MapOperatorEndpoints();
        if (webhook)
        {
            app.MapKubeCloudWebhook();
        }

        await app.StartAsync();
        var running = new RunningOperator(identity, app, Endpoint(health!, "http"), webhookListener is null ? null : Endpoint(webhookListener, "https"));
        lock (_operators)
        {
            _operators.Add(running);
        }

        if (certificate is not null)
        {
            using var cts = new CancellationTokenSource(Timeout);
            await app.Services.GetRequiredService<InformerObjectLookup>().WaitForCacheSyncAsync(cts.Token);
            using var client = NewClient();
            var configuration = WebhookConfiguration.ForUrl(app.Services.GetServices<IKindWebhook>(), running.WebhookEndpoint!, certificate.CaPem);
            try
            {
                await client.DeleteAsync<V1ValidatingWebhookConfiguration>(WebhookConfiguration.Name);
            }
            catch (NotFoundException)
            {
            }

            await client.CreateAsync(configuration);
        }

        return running;
    }

    private static Uri Endpoint(ListenOptions listen, string scheme) => new($"{scheme}://127.0.0.1:{listen.IPEndPoint!.Port}/");

    /// <summary>Polls until <paramref name="condition"/> holds or the timeout passes.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Timeout);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting for: {what}");
            }

            await Task.Delay(50);
        }
    }

    public static Task EventuallyAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        EventuallyAsync(() => Task.FromResult(condition()), what, timeout);

    public async ValueTask DisposeAsync()
    {
        List<RunningOperator> operators;
        lock (_operators)
        {
            operators = [.. _operators];
        }

        foreach (var op in operators)
        {
            await op.DisposeAsync();
        }

        await Server.DisposeAsync();
    }
}

/// <summary>An operator started by <see cref="OperatorCluster.StartOperatorAsync"/>.</summary>
public sealed class RunningOperator(string identity, WebApplication app, Uri healthEndpoint, Uri? webhookEndpoint) : IAsyncDisposable
{
    private int _stopped;

    public string Identity { get; } = identity;

    public WebApplication App { get; } = app;

    public IServiceProvider Services => App.Services;

    /// <summary>Where /metrics, /healthz and /readyz answer.</summary>
    public Uri HealthEndpoint { get; } = healthEndpoint;

    /// <summary>The webhook's HTTPS base address, when it was started with one.</summary>
    public Uri? WebhookEndpoint { get; } = webhookEndpoint;

    /// <summary>
    /// Stops the operator. With <paramref name="abrupt"/> the stop is given no time (a crash, as near as one process
    /// can play it: work in flight is cancelled, the Lease is not released cleanly).
    /// </summary>
    public async Task StopAsync(bool abrupt = false)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        using var cts = new CancellationTokenSource(abrupt ? TimeSpan.Zero : TimeSpan.FromSeconds(10));
        try
        {
            await App.StopAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
        }

        await App.DisposeAsync();
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
