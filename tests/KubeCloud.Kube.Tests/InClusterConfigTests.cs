using KubeCloud.Kube.Config;

namespace KubeCloud.Kube.Tests;

public class InClusterConfigTests
{
    private static Func<string, string?> Env(string? host, string? port) => name => name switch
    {
        "KUBERNETES_SERVICE_HOST" => host,
        "KUBERNETES_SERVICE_PORT" => port,
        _ => null,
    };

    [Fact]
    public async Task Reads_host_port_ca_namespace_and_a_rotating_token()
    {
        using var dir = new TempDirectory();
        var ca = TestCertificates.Create("cluster-ca");
        dir.Write("ca.crt", ca.CertificatePem);
        dir.Write("namespace", "kubecloud-system\n");
        var tokenPath = dir.Write("token", "first-token");
        File.SetLastWriteTimeUtc(tokenPath, new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var time = new ManualTimeProvider();

        Assert.True(InClusterConfig.IsInCluster(dir.Path, Env("10.96.0.1", "443")));
        var config = InClusterConfig.Load(dir.Path, Env("10.96.0.1", "443"), time);
        Assert.Equal(new Uri("https://10.96.0.1:443"), config.Server);
        Assert.Equal("kubecloud-system", config.Namespace);
        Assert.Equal("CN=cluster-ca", config.CertificateAuthorities![0].Subject);
        Assert.Equal("first-token", await config.Credentials!.GetTokenAsync(default));

        // The kubelet rotates the token: a new file content with a new modification time is picked up at once.
        File.WriteAllText(tokenPath, "second-token");
        File.SetLastWriteTimeUtc(tokenPath, new DateTime(2026, 1, 1, 0, 5, 0, DateTimeKind.Utc));
        Assert.Equal("second-token", await config.Credentials.GetTokenAsync(default));

        // Even without a visible change of the modification time, the file is re-read after a minute.
        File.WriteAllText(tokenPath, "third-token");
        File.SetLastWriteTimeUtc(tokenPath, new DateTime(2026, 1, 1, 0, 5, 0, DateTimeKind.Utc));
        Assert.Equal("second-token", await config.Credentials.GetTokenAsync(default));
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal("third-token", await config.Credentials.GetTokenAsync(default));
    }

    [Fact]
    public void IPv6_service_hosts_are_bracketed_and_missing_variables_are_reported()
    {
        using var dir = new TempDirectory();
        dir.Write("token", "t");
        Assert.Equal(new Uri("https://[fd00::1]:443"), InClusterConfig.Load(dir.Path, Env("fd00::1", "443")).Server);
        Assert.False(InClusterConfig.IsInCluster(dir.Path, Env(null, "443")));
        Assert.Throws<InvalidOperationException>(() => InClusterConfig.Load(dir.Path, Env(null, null)));
    }
}
