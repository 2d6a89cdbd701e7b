using System.Text;
using System.Text.Json;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Kube.Client;
using KubeCloud.Kube.Config;

namespace KubeCloud.Kube.IntegrationTests;

/// <summary>An exec plugin that returns client certificates, against a server that authenticates by certificate.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ExecClientCertificateTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "kubecloud-exec-cert-" + Guid.NewGuid().ToString("N"));

    public ExecClientCertificateTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task The_plugin_certificate_is_presented_and_replaced_on_expiry_and_on_401_and_a_failing_plugin_reports_stderr()
    {
        await using var server = await ClientCertificateServer.StartAsync();
        var time = new ShiftedTime();
        Credential(1, "alice-1", time.GetUtcNow().AddHours(1));
        Credential(2, "alice-2", null);
        Credential(3, "alice-3", null);
        var kubeconfig = Path.Combine(_dir, "kubeconfig");
        File.WriteAllText(kubeconfig, $"""
            current-context: c
            clusters:
            - name: local
              cluster:
                server: {server.Endpoint}
                certificate-authority-data: {Convert.ToBase64String(Encoding.UTF8.GetBytes(server.CaPem))}
            contexts:
            - name: c
              context: {"{"}cluster: local, user: plugin{"}"}
            users:
            - name: plugin
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: ./plugin.sh
                  interactiveMode: Never
            """);
        File.WriteAllText(Path.Combine(_dir, "plugin.sh"), $$"""
            #!/bin/sh
            n=$(cat "{{_dir}}/count" 2>/dev/null || echo 0)
            n=$((n+1))
            echo $n > "{{_dir}}/count"
            cat "{{_dir}}/cred-$n.json" 2>/dev/null || { echo "credentials expired: run 'corp-login' again" >&2; exit 2; }
            """);
        File.SetUnixFileMode(Path.Combine(_dir, "plugin.sh"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var config = KubeConfigLoader.Load(kubeconfig, time: time);
        var plugin = Assert.IsType<ExecCredentialProvider>(config.Credentials);
        using var client = new KubeClient(config);

        async Task<string> PresentedAsync(string name) => (await client.GetAsync<Server>(name, "demo")).Metadata.Annotations!["presented"];

        Assert.Equal("CN=alice-1", await PresentedAsync("a"));
        Assert.Equal("CN=alice-1", await PresentedAsync("b"));
        Assert.Equal(1, plugin.Invocations);

        // The credential expires: the plugin runs again and the new certificate is presented on a new connection.
        time.Offset = TimeSpan.FromHours(2);
        Assert.Equal("CN=alice-2", await PresentedAsync("c"));
        Assert.Equal(2, plugin.Invocations);
        var byCertificate = server.Requests.Where(r => r.Status == 200).GroupBy(r => r.Subject).ToDictionary(g => g.Key!, g => g.Select(r => r.Connection).ToHashSet());
        Assert.Empty(byCertificate["CN=alice-1"].Intersect(byCertificate["CN=alice-2"]));

        // The server stops accepting it: the 401 re-runs the plugin once and the request succeeds with the next certificate.
        server.Revoke("CN=alice-2");
        Assert.Equal("CN=alice-3", await PresentedAsync("d"));
        Assert.Equal(3, plugin.Invocations);
        Assert.Equal(("CN=alice-2", 401), server.Requests.Select(r => (r.Subject, r.Status)).SkipLast(1).Last());

        // And when the plugin itself fails, the error carries its stderr.
        server.Revoke("CN=alice-3");
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => client.GetAsync<Server>("e", "demo"));
        Assert.Contains("credentials expired: run 'corp-login' again", error.Message, StringComparison.Ordinal);
        Assert.Contains("exited with 2", error.Message, StringComparison.Ordinal);
    }

    private void Credential(int run, string commonName, DateTimeOffset? expires)
    {
        var (certificate, key) = ClientCertificateServer.ClientCertificate(commonName);
        File.WriteAllText(Path.Combine(_dir, $"cred-{run}.json"), JsonSerializer.Serialize(new
        {
            apiVersion = "client.authentication.k8s.io/v1",
            kind = "ExecCredential",
            status = new { clientCertificateData = certificate, clientKeyData = key, expirationTimestamp = expires },
        }));
    }

    /// <summary>The system clock, moved forward by <see cref="Offset"/> (only the plugin's expiry reads it).</summary>
    private sealed class ShiftedTime : TimeProvider
    {
        public TimeSpan Offset { get; set; }

        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;
    }
}
