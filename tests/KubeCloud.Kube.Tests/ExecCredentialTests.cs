using System.Text.Json;
using System.Text.Json.Nodes;
using KubeCloud.Kube.Config;

namespace KubeCloud.Kube.Tests;

/// <summary>Exec plugins that hand out client certificates, KUBERNETES_EXEC_INFO, interactive mode, failures.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ExecCredentialTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A plugin that prints cred-1.json, cred-2.json, ... on successive runs and saves its KUBERNETES_EXEC_INFO.</summary>
    private string Plugin()
    {
        var script = _dir.Write("plugin.sh", $$$"""
            #!/bin/sh
            n=$(cat "{{{_dir.Path}}}/count" 2>/dev/null || echo 0)
            n=$((n+1))
            echo $n > "{{{_dir.Path}}}/count"
            printf '%s' "$KUBERNETES_EXEC_INFO" > "{{{_dir.Path}}}/exec-info-$n.json"
            cat "{{{_dir.Path}}}/cred-$n.json"
            """);
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return script;
    }

    private void Credential(int run, object status) => _dir.Write($"cred-{run}.json", JsonSerializer.Serialize(new
    {
        apiVersion = "client.authentication.k8s.io/v1",
        kind = "ExecCredential",
        status,
    }));

    private JsonNode ExecInfo(int run) => JsonNode.Parse(File.ReadAllText(Path.Combine(_dir.Path, $"exec-info-{run}.json")))!;

    [Fact]
    public async Task A_client_certificate_credential_is_presented_and_rotates_when_it_expires()
    {
        var first = TestCertificates.Create("alice-1");
        var second = TestCertificates.Create("alice-2");
        Credential(1, new { clientCertificateData = first.CertificatePem, clientKeyData = first.KeyPem, expirationTimestamp = "2026-11-21T12:10:00Z" });
        Credential(2, new { clientCertificateData = first.CertificatePem, clientKeyData = first.KeyPem, expirationTimestamp = "2026-11-21T12:20:00Z" });
        Credential(3, new { clientCertificateData = second.CertificatePem, clientKeyData = second.KeyPem });
        var time = new ManualTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero));
        using var plugin = new ExecCredentialProvider(new ExecConfig { Command = Plugin(), InteractiveMode = "Never" }, time: time);
        var rotations = 0;
        plugin.Rotated += (_, _) => rotations++;

        Assert.Null(await plugin.GetTokenAsync(default));
        Assert.Equal("CN=alice-1", plugin.Current!.Subject);
        Assert.True(plugin.Current.HasPrivateKey);
        Assert.Null(await plugin.GetTokenAsync(default));
        Assert.Equal(1, plugin.Invocations);

        // Expired: the plugin runs again; the same certificate is no rotation.
        time.Advance(TimeSpan.FromMinutes(10));
        await plugin.GetTokenAsync(default);
        Assert.Equal(2, plugin.Invocations);
        Assert.Equal(0, rotations);

        // A different certificate (here after a 401) rotates.
        plugin.Invalidate();
        await plugin.GetTokenAsync(default);
        Assert.Equal(3, plugin.Invocations);
        Assert.Equal("CN=alice-2", plugin.Current!.Subject);
        Assert.Equal(1, rotations);
    }

    [Fact]
    public async Task Provide_cluster_info_and_interactive_mode_reach_KUBERNETES_EXEC_INFO()
    {
        var ca = TestCertificates.Create("cluster-ca");
        Credential(1, new { token = "t1" });
        Credential(2, new { token = "t2" });
        var path = _dir.Write("kubeconfig", $$"""
            current-context: c
            clusters:
            - name: prod
              cluster:
                server: https://prod.example:6443
                certificate-authority-data: {{ca.CertificateBase64}}
                tls-server-name: api.prod.example
                proxy-url: http://proxy.example:3128
            contexts:
            - name: c
              context: {cluster: prod, user: u}
            users:
            - name: u
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: {{Plugin()}}
                  provideClusterInfo: true
                  interactiveMode: IfAvailable
            """);
        var config = KubeConfigLoader.Load(path);
        var plugin = Assert.IsType<ExecCredentialProvider>(config.Credentials);
        Assert.Same(plugin, config.ClientCertificateSource);
        Assert.Equal("t1", await plugin.GetTokenAsync(default));

        var info = ExecInfo(1);
        Assert.Equal("ExecCredential", (string?)info["kind"]);
        Assert.Equal("client.authentication.k8s.io/v1", (string?)info["apiVersion"]);
        Assert.False((bool)info["spec"]!["interactive"]!); // the test host's standard input is not a terminal
        var cluster = info["spec"]!["cluster"]!;
        Assert.Equal("https://prod.example:6443", (string?)cluster["server"]);
        Assert.Equal("api.prod.example", (string?)cluster["tls-server-name"]);
        Assert.Equal("http://proxy.example:3128", (string?)cluster["proxy-url"]);
        Assert.Equal(ca.CertificatePem, System.Text.Encoding.UTF8.GetString(Convert.FromBase64String((string)cluster["certificate-authority-data"]!)));

        // IfAvailable on a terminal is interactive; without provideClusterInfo there is no cluster.
        using var onTerminal = new ExecCredentialProvider(new ExecConfig { Command = Plugin(), InteractiveMode = "IfAvailable" }) { StandardInputIsTerminal = () => true };
        Assert.Equal("t2", await onTerminal.GetTokenAsync(default));
        Assert.True((bool)ExecInfo(2)["spec"]!["interactive"]!);
        Assert.Null(ExecInfo(2)["spec"]!["cluster"]);
    }

    [Theory]
    [InlineData("Always", "interactiveMode Always, but standard input is not a terminal")]
    [InlineData("Sometimes", "users[].user.exec.interactiveMode: 'Sometimes' is not one of Never, IfAvailable, Always")]
    public async Task Interactive_mode_that_cannot_be_honoured_is_refused_before_running(string mode, string message)
    {
        Credential(1, new { token = "t1" });
        using var plugin = new ExecCredentialProvider(new ExecConfig { Command = Plugin(), InteractiveMode = mode }) { StandardInputIsTerminal = () => false };
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => plugin.GetTokenAsync(default).AsTask());
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Equal(0, plugin.Invocations);
    }

    [Fact]
    public async Task Broken_credentials_and_missing_plugins_give_clear_errors()
    {
        var cert = TestCertificates.Create("half");
        Credential(1, new { clientCertificateData = cert.CertificatePem });
        Credential(2, new { expirationTimestamp = "2030-01-01T00:00:00Z" });
        using var plugin = new ExecCredentialProvider(new ExecConfig { Command = Plugin(), InteractiveMode = "Never" });
        var half = await Assert.ThrowsAsync<InvalidOperationException>(() => plugin.GetTokenAsync(default).AsTask());
        Assert.Contains("status.clientCertificateData without status.clientKeyData", half.Message, StringComparison.Ordinal);
        var empty = await Assert.ThrowsAsync<InvalidOperationException>(() => plugin.GetTokenAsync(default).AsTask());
        Assert.Contains("neither status.token nor status.clientCertificateData", empty.Message, StringComparison.Ordinal);

        using var missing = new ExecCredentialProvider(new ExecConfig
        {
            Command = Path.Combine(_dir.Path, "no-such-plugin"),
            InstallHint = "Install it with: apt-get install no-such-plugin",
        });
        var notFound = await Assert.ThrowsAsync<InvalidOperationException>(() => missing.GetTokenAsync(default).AsTask());
        Assert.Contains("Could not start the credential plugin", notFound.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install no-such-plugin", notFound.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("socks5://proxy:1080", "socks5 proxies are not supported")]
    [InlineData("ftp://proxy:21", "scheme 'ftp' is not supported")]
    [InlineData("not a url", "is not an absolute URL")]
    public void Unsupported_proxy_urls_are_refused_naming_the_field(string proxyUrl, string message)
    {
        var file = KubeConfigLoader.Parse($$"""
            current-context: c
            clusters:
            - name: prod
              cluster: {server: "https://prod:6443", proxy-url: "{{proxyUrl}}"}
            contexts:
            - name: c
              context: {cluster: prod}
            """);
        var error = Assert.Throws<InvalidOperationException>(() => KubeConfigLoader.Resolve(file));
        Assert.Contains("clusters[prod].cluster.proxy-url", error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
