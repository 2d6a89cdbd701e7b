namespace KubeCloud.Kube.Config;

/// <summary>Supplies the bearer token of each request; may refresh it (rotation, exec plugins).</summary>
public interface ICredentialProvider
{
    /// <summary>The token to send now, or null for none.</summary>
    ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken);

    /// <summary>Called after a 401: drop any cached token so the next call fetches a fresh one.</summary>
    void Invalidate();
}
