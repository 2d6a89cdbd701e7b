using Microsoft.Extensions.Hosting;

namespace KubeCloud.ApiServer.Http;

/// <summary>The server lives as long as its owner says (DisposeAsync): no console signal handling inside a library.</summary>
internal sealed class EmbeddedHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
