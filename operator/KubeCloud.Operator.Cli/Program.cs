using System.Net;
using KubeCloud.ControllerRuntime.Config;
using KubeCloud.ControllerRuntime.Hosting;
using KubeCloud.ControllerRuntime.LeaderElection;
using KubeCloud.Operator;
using KubeCloud.Operator.Cli;
using KubeCloud.Operator.Controllers;
using KubeCloud.Operator.Subresources;
using KubeCloud.Operator.Webhook;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// kubecloud-operator: every controller and the validating webhook in one process, hosted as a controller-runtime manager.
OperatorCommandLine line;
try
{
    line = OperatorCommandLine.Parse(args);
}
catch (CommandLineException e)
{
    Console.Error.WriteLine($"kubecloud-operator: {e.Message}");
    return 2;
}

if (line.Help)
{
    Console.WriteLine(OperatorCommandLine.Usage);
    return 0;
}

WebApplication app;
try
{
    var cluster = LoadCluster(line.Kubeconfig);
    await ApiServerCheck.VersionAsync(cluster, CancellationToken.None);
    var certificate = line.WebhookPort == 0 ? null : LoadCertificate(line);
    var settings = line.Settings;
    var builder = OperatorHost.CreateBuilder([], o =>
    {
        o.Cluster = cluster;
        o.JsonLogs = true;
        o.HealthUrl = null;
        o.LeaderElection = line.LeaderElect
            ? new LeaderElectionOptions
            {
                LeaseName = "kubecloud-operator",
                LeaseNamespace = line.Namespace,
                Identity = $"{Environment.MachineName}_{Guid.NewGuid():N}",
            }
            : null;
    });
    builder.Logging.SetMinimumLevel(line.LogLevel);
    builder.WebHost.ConfigureKestrel(kestrel =>
    {
        if (line.MetricsAddress is { } metrics && metrics.Equals(line.HealthProbeAddress))
        {
            kestrel.Listen(metrics, l => l.Named(OperatorListeners.Metrics, OperatorListeners.Health));
        }
        else
        {
            if (line.MetricsAddress is { } only)
            {
                kestrel.Listen(only, l => l.Named(OperatorListeners.Metrics));
            }

            if (line.HealthProbeAddress is { } probes)
            {
                kestrel.Listen(probes, l => l.Named(OperatorListeners.Health));
            }
        }

        if (certificate is not null)
        {
            kestrel.ListenKubeCloudWebhook(new IPEndPoint(line.WebhookHost ?? IPAddress.Any, line.WebhookPort), certificate);
        }

        if (line.MetricsAddress is null && line.HealthProbeAddress is null && certificate is null)
        {
            kestrel.Listen(IPAddress.Loopback, 0, l => l.Named("none")); // Kestrel would otherwise take localhost:5000.
        }
    });
    builder.Services.AddKubeCloudControllers(settings);
    if (certificate is not null)
    {
        builder.Services.AddKubeCloudWebhook(line.NodeServiceAccounts);
    }

    app = builder.Build();
    app.MapOperatorEndpoints();
    if (certificate is not null)
    {
        app.MapKubeCloudWebhook();
        app.MapServerConsole();
    }

    await app.StartAsync();
}
catch (StartupException e)
{
    Console.Error.WriteLine($"kubecloud-operator: {e.Message}");
    return 1;
}
catch (IOException e) when (e.InnerException is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AddressAlreadyInUse } || e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
{
    Console.Error.WriteLine($"kubecloud-operator: {e.Message}");
    return 1;
}

await app.WaitForShutdownAsync();
await app.DisposeAsync();
return 0;

static k8s.KubernetesClientConfiguration LoadCluster(string? kubeconfig)
{
    try
    {
        return ClusterConfig.Load(kubeconfig);
    }
    catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or IOException or UnauthorizedAccessException)
    {
        throw new StartupException($"no cluster configuration: {e.Message}", e);
    }
}

static WebhookCertificate LoadCertificate(OperatorCommandLine line)
{
    try
    {
        return WebhookCertificate.LoadOrCreate(line.CertDir, KubeCloudWebhook.ServiceName, line.Namespace);
    }
    catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
    {
        throw new StartupException($"--cert-dir {line.CertDir}: {e.Message}", e);
    }
}
