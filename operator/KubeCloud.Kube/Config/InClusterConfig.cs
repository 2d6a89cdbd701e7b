using System.Security.Cryptography.X509Certificates;

namespace KubeCloud.Kube.Config;

/// <summary>
/// The configuration of a pod's service account: <c>KUBERNETES_SERVICE_HOST</c>/<c>PORT</c>, the CA and the token
/// (re-read as the kubelet rotates it) under <c>/var/run/secrets/kubernetes.io/serviceaccount</c>. Every input is
/// injectable for tests.
/// </summary>
public static class InClusterConfig
{
    public const string DefaultDirectory = "/var/run/secrets/kubernetes.io/serviceaccount";

    /// <summary>True when the environment variables and the token file of a pod are present.</summary>
    public static bool IsInCluster(string directory = DefaultDirectory, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        return !string.IsNullOrEmpty(environment("KUBERNETES_SERVICE_HOST"))
            && !string.IsNullOrEmpty(environment("KUBERNETES_SERVICE_PORT"))
            && File.Exists(Path.Combine(directory, "token"));
    }

    /// <summary>Builds the in-cluster configuration.</summary>
    public static KubeClientConfig Load(string directory = DefaultDirectory, Func<string, string?>? environment = null, TimeProvider? time = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var host = environment("KUBERNETES_SERVICE_HOST");
        var port = environment("KUBERNETES_SERVICE_PORT");
        if (string.IsNullOrEmpty(host) || string.IsNullOrEmpty(port))
        {
            throw new InvalidOperationException("Not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set.");
        }

        var tokenPath = Path.Combine(directory, "token");
        if (!File.Exists(tokenPath))
        {
            throw new InvalidOperationException($"Not running in a cluster: no service-account token at {tokenPath}.");
        }

        var caPath = Path.Combine(directory, "ca.crt");
        X509Certificate2Collection? roots = null;
        if (File.Exists(caPath))
        {
            roots = [];
            roots.ImportFromPemFile(caPath);
        }

        var namespacePath = Path.Combine(directory, "namespace");
        var ns = File.Exists(namespacePath) ? File.ReadAllText(namespacePath).Trim() : "default";
        var hostPart = host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host;
        return new KubeClientConfig
        {
            Server = new Uri($"https://{hostPart}:{port}"),
            CertificateAuthorities = roots,
            Credentials = new TokenFileProvider(tokenPath, time),
            Namespace = ns,
        };
    }
}
