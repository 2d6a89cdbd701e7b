namespace KubeCloud.Kube.Config;

/// <summary>A fixed bearer token, from a kubeconfig's <c>token</c>.</summary>
public sealed class StaticTokenProvider(string token) : ICredentialProvider
{
    public ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken) => ValueTask.FromResult<string?>(token);

    public void Invalidate()
    {
    }
}
