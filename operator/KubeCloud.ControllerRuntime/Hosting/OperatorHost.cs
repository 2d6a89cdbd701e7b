using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace KubeCloud.ControllerRuntime.Hosting;

/// <summary>
/// The composition root of an operator binary:
/// <code>
/// var builder = OperatorHost.CreateBuilder(args, o => o.LeaderElection = new() { LeaseName = "kubecloud-operator", LeaseNamespace = "kubecloud-system" });
/// builder.Services.AddController&lt;Server, ServerReconciler&gt;(c => c.Owns&lt;Port&gt;().WithWorkers(4));
/// var app = builder.Build();
/// app.MapOperatorEndpoints();
/// await app.RunAsync();
/// </code>
/// </summary>
public static class OperatorHost
{
    public static WebApplicationBuilder CreateBuilder(string[] args, Action<OperatorOptions>? configure = null)
    {
        var options = new OperatorOptions();
        configure?.Invoke(options);
        var builder = WebApplication.CreateSlimBuilder(args);
        if (options.HealthUrl is { } url)
        {
            builder.WebHost.UseUrls(url);
        }

        builder.Logging.AddOperatorConsole(options.JsonLogs);
        builder.Services.AddKubeCloudOperator(o =>
        {
            o.Cluster = options.Cluster;
            o.Client = options.Client;
            o.Informers = options.Informers;
            o.LeaderElection = options.LeaderElection;
            o.EventSource = options.EventSource;
            o.HealthUrl = options.HealthUrl;
            o.JsonLogs = options.JsonLogs;
        });
        builder.Services.AddRouting();
        return builder;
    }
}
