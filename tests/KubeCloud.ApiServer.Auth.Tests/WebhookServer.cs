using System.Collections.Concurrent;
using System.Net;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KubeCloud.ApiServer.Auth.Tests;

/// <summary>
/// A real Kestrel HTTPS admission webhook server on 127.0.0.1 with its own CA. Each path has a
/// handler; every review received is recorded by path.
/// </summary>
public sealed class WebhookServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, Func<V1AdmissionRequest, Task<V1AdmissionResponse>>> handlers = new();

    private WebhookServer(WebApplication app, TestCertificates certificates)
    {
        this.app = app;
        Certificates = certificates;
    }

    public TestCertificates Certificates { get; }

    public int Port { get; private set; }

    public ConcurrentDictionary<string, ConcurrentQueue<V1AdmissionReview>> Received { get; } = new();

    public static async Task<WebhookServer> StartAsync()
    {
        var certificates = new TestCertificates();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(certificates.Serving)));
        var app = builder.Build();
        var server = new WebhookServer(app, certificates);
        app.MapPost("/{**path}", server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Port = new Uri(address).Port;
        return server;
    }

    public string Url(string path) => $"https://127.0.0.1:{Port}/{path}";

    public void Handle(string path, Func<V1AdmissionRequest, V1AdmissionResponse> handler) =>
        handlers[path] = request => Task.FromResult(handler(request));

    public void Handle(string path, Func<V1AdmissionRequest, Task<V1AdmissionResponse>> handler) => handlers[path] = handler;

    public int Calls(string path) => Received.TryGetValue(path, out var queue) ? queue.Count : 0;

    public V1AdmissionRequest Last(string path) => Received[path].Last().Request!;

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        Certificates.Dispose();
    }

    private async Task HandleAsync(HttpContext context, string path)
    {
        var review = await KubeJson.DeserializeAsync<V1AdmissionReview>(context.Request.Body);
        Received.GetOrAdd(path, _ => new()).Enqueue(review!);
        var response = await handlers[path](review!.Request!);
        response.Uid ??= review.Request!.Uid;
        context.Response.ContentType = "application/json";
        await KubeJson.SerializeAsync(context.Response.Body, new V1AdmissionReview
        {
            ApiVersion = "admission.k8s.io/v1",
            Kind = "AdmissionReview",
            Response = response,
        });
    }
}
