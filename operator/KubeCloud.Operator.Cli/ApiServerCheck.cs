using System.Net.Http;
using k8s;
using k8s.Autorest;

namespace KubeCloud.Operator.Cli;

/// <summary>The one check before anything starts: GET /version answers within a short timeout.</summary>
internal static class ApiServerCheck
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>The server's version (<c>v1.36.0</c>), or a <see cref="StartupException"/> saying why it is out of reach.</summary>
    public static async Task<string> VersionAsync(KubernetesClientConfiguration config, CancellationToken cancellationToken)
    {
        using var kubernetes = new Kubernetes(config);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            var version = await kubernetes.Version.GetCodeAsync(timeout.Token).ConfigureAwait(false);
            return version.GitVersion;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new StartupException($"the API server at {config.Host} did not answer GET /version within {Timeout.TotalSeconds:0}s");
        }
        catch (HttpOperationException e)
        {
            throw new StartupException($"the API server at {config.Host} refused GET /version: {(int)e.Response.StatusCode} {e.Response.ReasonPhrase}", e);
        }
        catch (HttpRequestException e)
        {
            throw new StartupException($"cannot reach the API server at {config.Host}: {Innermost(e).Message}", e);
        }
    }

    private static Exception Innermost(Exception e) => e.InnerException is { } inner ? Innermost(inner) : e;
}
