using System.Net;
using k8s;
using k8s.Models;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Hosting;
using KubeCloud.Operator;
using KubeCloud.Operator.Controllers;
using KubeCloud.Operator.Subresources;
using KubeCloud.Operator.Webhook;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KubeCloud.Local.Cli;

/// <summary>
/// The operator in this process, as <c>kubecloud-operator</c> composes it: every controller and the validating webhook on a
/// loopback HTTPS port, with its certificate kept in the data directory and the ValidatingWebhookConfiguration pointing at
/// that port (a crashed run's configuration names a port nobody serves: it is removed before anything else writes). The
/// same listener serves the console API, registered with the API server (APIService, Service, EndpointSlice at that
/// port), so <c>kubectl kubecloud console</c> works through the local API server as on a cluster.
/// </summary>
internal sealed class LocalOperator(WebApplication app) : IAsyncDisposable
{
    /// <summary>Removes a webhook configuration a previous run left (its port is gone), so writes before the operator is back are not refused.</summary>
    public static async Task RemoveStaleWebhookAsync(IKubeClient client, CancellationToken cancellationToken)
    {
        try
        {
            await client.DeleteAsync<V1ValidatingWebhookConfiguration>(WebhookConfiguration.Name, cancellationToken: cancellationToken);
        }
        catch (NotFoundException)
        {
        }
    }

    public static async Task<LocalOperator> StartAsync(KubernetesClientConfiguration cluster, IKubeClient client, string certificateDirectory, CancellationToken cancellationToken)
    {
        var settings = new OperatorSettings();
        var certificate = WebhookCertificate.LoadOrCreate(certificateDirectory, KubeCloudWebhook.ServiceName, settings.Namespace);
        var builder = WebApplication.CreateSlimBuilder();
        ListenOptions? webhook = null;
        builder.WebHost.ConfigureKestrel(k => webhook = k.ListenKubeCloudWebhook(new IPEndPoint(IPAddress.Loopback, 0), certificate));
        builder.Logging.AddOperatorConsole(json: true).SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddKubeCloudOperator(o =>
        {
            o.Cluster = cluster;
            o.HealthUrl = null;
        });
        builder.Services.AddKubeCloudControllers(settings);
        builder.Services.AddKubeCloudWebhook();
        var app = builder.Build();
        app.MapOperatorEndpoints();
        app.MapKubeCloudWebhook();
        app.MapServerConsole();
        await app.StartAsync(cancellationToken);
        var running = new LocalOperator(app);
        try
        {
            await app.Services.GetRequiredService<InformerObjectLookup>().WaitForCacheSyncAsync(cancellationToken);
            var endpoint = new Uri($"https://127.0.0.1:{webhook!.IPEndPoint!.Port}/");
            var configuration = WebhookConfiguration.ForUrl(app.Services.GetServices<IKindWebhook>(), endpoint, certificate.CaPem);
            await RemoveStaleWebhookAsync(client, cancellationToken);
            await client.CreateAsync(configuration, cancellationToken: cancellationToken);
            await ConsoleApiService.ApplyAsync(client, webhook.IPEndPoint, certificate.CaPem, settings.Namespace, cancellationToken);
            return running;
        }
        catch
        {
            await running.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await app.StopAsync(timeout.Token);
        await app.DisposeAsync();
    }
}
