using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Hosting;
using KubeCloud.Operator;
using KubeCloud.Operator.Controllers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace KubeCloud.Node.IntegrationTests.MultiNode;

/// <summary>The real operator (every controller, no webhook) in this process against a <see cref="NodeCluster"/>.</summary>
public sealed class InProcessOperator : IAsyncDisposable
{
    private readonly WebApplication _app;

    private InProcessOperator(WebApplication app) => _app = app;

    public static async Task<InProcessOperator> StartAsync(NodeCluster cluster, Action<OperatorSettings>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var settings = new OperatorSettings();
        configure?.Invoke(settings);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.AddOperatorConsole(json: true).SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddKubeCloudOperator(o =>
        {
            o.Cluster = cluster.Config();
            o.Client = new KubeClientOptions { Retry = new RetryPolicy { BaseDelay = TimeSpan.FromMilliseconds(5) } };
        });
        builder.Services.AddKubeCloudControllers(settings);
        var app = builder.Build();
        app.MapOperatorEndpoints();
        await app.StartAsync();
        return new InProcessOperator(app);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
