using k8s;
using KubeCloud.ControllerRuntime.Config;

namespace KubeCloud.ControllerRuntime.Tests;

/// <summary>
/// <see cref="KubeconfigFile"/> reads what KubernetesClient's own reader reads: the configuration built from either is
/// the same for each context (server, namespace, token, client certificate paths resolved against the file's folder,
/// CA, TLS settings).
/// </summary>
public class KubeconfigFileTests
{
    private const string Kubeconfig = """
        apiVersion: v1
        kind: Config
        preferences: {}
        clusters:
        - name: dev
          cluster:
            server: https://dev.example:6443
            insecure-skip-tls-verify: true
        - name: prod
          cluster:
            server: https://prod.example:6443
            tls-server-name: api.prod.example
        users:
        - name: token
          user:
            token: abc
        - name: certs
          user:
            client-certificate: certs/me.crt
            client-key: certs/me.key
        contexts:
        - name: dev
          context: { cluster: dev, user: token, namespace: team-a }
        - name: prod
          context: { cluster: prod, user: certs }
        current-context: prod
        extensions: []
        """;

    [Theory]
    [InlineData(null)]
    [InlineData("dev")]
    [InlineData("prod")]
    public void Builds_the_same_configuration_as_KubernetesClient(string? context)
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config", Kubeconfig);

        var ours = KubernetesClientConfiguration.BuildConfigFromConfigObject(KubeconfigFile.Read(path), context);
        var theirs = KubernetesClientConfiguration.BuildConfigFromConfigFile(path, context);

        Assert.Equal(theirs.Host, ours.Host);
        Assert.Equal(theirs.Namespace, ours.Namespace);
        Assert.Equal(theirs.CurrentContext, ours.CurrentContext);
        Assert.Equal(theirs.AccessToken, ours.AccessToken);
        Assert.Equal(theirs.ClientCertificateFilePath, ours.ClientCertificateFilePath);
        Assert.Equal(theirs.ClientKeyFilePath, ours.ClientKeyFilePath);
        Assert.Equal(theirs.SkipTlsVerify, ours.SkipTlsVerify);
        Assert.Equal(theirs.TlsServerName, ours.TlsServerName);
        Assert.NotNull(ours.Host);
    }

    [Fact]
    public void Reads_every_credential_field_as_KubernetesClients_reader_does()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config", """
            apiVersion: v1
            kind: Config
            clusters:
            - name: c
              cluster:
                server: https://c.example:6443
                certificate-authority-data: Q0EK
                certificate-authority: ca.crt
                insecure-skip-tls-verify: false
                extensions:
                - name: client.authentication.k8s.io/exec
                  extension: { audience: x }
            users:
            - name: exec
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: get-token
                  args: [--cluster, c]
                  env:
                  - name: REGION
                    value: eu
                  installHint: install get-token
                  provideClusterInfo: true
                as: admin
                as-groups: [ops, dev]
                as-user-extra: { reason: test }
            - name: provider
              user:
                auth-provider:
                  name: oidc
                  config: { client-id: k, idp-issuer-url: "https://idp" }
                username: u
                password: p
                client-certificate-data: Q0VSVAo=
                client-key-data: S0VZCg==
                token: ~
            contexts:
            - name: a
              context: { cluster: c, user: exec, namespace: ns }
            current-context: a
            """);

        var ours = KubeconfigFile.Read(path);
        var theirs = KubernetesClientConfiguration.LoadKubeConfig(path);
        ours.FileName = theirs.FileName = null;
        ours.Extensions = theirs.Extensions = null;
        ours.Preferences = theirs.Preferences = null;
        foreach (var cluster in ours.Clusters.Concat(theirs.Clusters))
        {
            Assert.Single(cluster.ClusterEndpoint.Extensions!);
            cluster.ClusterEndpoint.Extensions = null;
        }

        var options = new System.Text.Json.JsonSerializerOptions { WriteIndented = true };
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(theirs, options), System.Text.Json.JsonSerializer.Serialize(ours, options));
    }

    [Fact]
    public void Resolves_relative_certificate_paths_against_the_files_folder()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config", Kubeconfig);

        var config = KubernetesClientConfiguration.BuildConfigFromConfigObject(KubeconfigFile.Read(path), "prod");

        Assert.Equal(Path.Combine(Path.GetDirectoryName(path)!, "certs", "me.crt"), config.ClientCertificateFilePath);
    }

    [Fact]
    public void An_empty_file_is_a_clear_error()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config", string.Empty);

        var error = Assert.Throws<k8s.Exceptions.KubeConfigException>(() => KubeconfigFile.Read(path));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("no such file", "config")]
    [InlineData("no such folder", "missing/config")]
    public void A_missing_file_is_the_message_KubernetesClient_gives(string because, string relative)
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, relative);

        var error = Assert.Throws<k8s.Exceptions.KubeConfigException>(() => KubeconfigFile.Read(path));
        Assert.True(error.Message == $"kubeconfig file not found at {path}", $"{because}: {error.Message}");
    }
}
