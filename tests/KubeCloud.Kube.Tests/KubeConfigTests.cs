using KubeCloud.Kube.Config;

namespace KubeCloud.Kube.Tests;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class KubeConfigTests
{
    [Fact]
    public void Embedded_data_as_kind_and_kubeadm_write_it()
    {
        var ca = TestCertificates.Create("kubernetes");
        var client = TestCertificates.Create("kubernetes-admin");
        var yaml = $"""
            apiVersion: v1
            kind: Config
            preferences: {'{'}{'}'}
            current-context: kind-kind
            clusters:
            - cluster:
                certificate-authority-data: {ca.CertificateBase64}
                server: https://127.0.0.1:43211
              name: kind-kind
            contexts:
            - context:
                cluster: kind-kind
                user: kind-kind
              name: kind-kind
            users:
            - name: kind-kind
              user:
                client-certificate-data: {client.CertificateBase64}
                client-key-data: {client.KeyBase64}
            """;
        var config = KubeConfigLoader.Resolve(KubeConfigLoader.Parse(yaml));
        Assert.Equal(new Uri("https://127.0.0.1:43211"), config.Server);
        Assert.Equal("default", config.Namespace);
        Assert.Single(config.CertificateAuthorities!);
        Assert.Equal("CN=kubernetes", config.CertificateAuthorities![0].Subject);
        Assert.True(config.ClientCertificate!.HasPrivateKey);
        Assert.Equal("CN=kubernetes-admin", config.ClientCertificate.Subject);
        Assert.Null(config.Credentials);
        using var handler = config.CreateHandler();
        Assert.NotNull(handler.SslOptions.RemoteCertificateValidationCallback);
    }

    [Fact]
    public async Task File_references_are_relative_to_the_kubeconfig_and_named_contexts_are_selectable()
    {
        using var dir = new TempDirectory();
        var ca = TestCertificates.Create("minikubeCA");
        var client = TestCertificates.Create("minikube-user");
        dir.Write("certs/ca.crt", ca.CertificatePem);
        dir.Write("certs/client.crt", client.CertificatePem);
        dir.Write("certs/client.key", client.KeyPem);
        dir.Write("tokens/dev", "dev-token\n");
        var path = dir.Write("config/kubeconfig", """
            apiVersion: v1
            kind: Config
            current-context: minikube
            clusters:
            - name: minikube
              cluster:
                certificate-authority: ../certs/ca.crt
                server: https://192.168.49.2:8443
                extensions:
                - name: cluster_info
                  extension: {provider: minikube.sigs.k8s.io}
            - name: dev
              cluster:
                server: https://dev.example.com
                insecure-skip-tls-verify: true
                tls-server-name: api.dev.internal
            contexts:
            - name: minikube
              context: {cluster: minikube, user: minikube, namespace: kubecloud-system}
            - name: dev
              context: {cluster: dev, user: developer}
            users:
            - name: minikube
              user:
                client-certificate: ../certs/client.crt
                client-key: ../certs/client.key
            - name: developer
              user:
                tokenFile: ../tokens/dev
            """);

        var minikube = KubeConfigLoader.Load(path);
        Assert.Equal("kubecloud-system", minikube.Namespace);
        Assert.Equal("CN=minikubeCA", minikube.CertificateAuthorities![0].Subject);
        Assert.Equal("CN=minikube-user", minikube.ClientCertificate!.Subject);

        var dev = KubeConfigLoader.Load(path, context: "dev");
        Assert.True(dev.InsecureSkipTlsVerify);
        Assert.Equal("api.dev.internal", dev.TlsServerName);
        Assert.Equal("dev-token", await dev.Credentials!.GetTokenAsync(default));

        Assert.Throws<InvalidOperationException>(() => KubeConfigLoader.Load(path, context: "nope"));
    }

    [Fact]
    public void KUBECONFIG_with_several_files_merges_first_definition_wins()
    {
        using var dir = new TempDirectory();
        var first = dir.Write("a.yaml", """
            current-context: a
            clusters:
            - name: shared
              cluster: {server: "https://first:6443"}
            contexts:
            - name: a
              context: {cluster: shared, user: alice}
            users:
            - name: alice
              user: {token: from-first}
            """);
        var second = dir.Write("b.yaml", """
            current-context: b
            clusters:
            - name: shared
              cluster: {server: "https://second:6443"}
            - name: other
              cluster: {server: "https://other:6443"}
            contexts:
            - name: b
              context: {cluster: other, user: bob}
            users:
            - name: alice
              user: {token: from-second}
            - name: bob
              user: {token: bob-token}
            """);
        var missing = Path.Combine(dir.Path, "missing.yaml");
        var variable = string.Join(Path.PathSeparator, first, missing, second);

        var paths = KubeConfigLoader.DefaultPaths(variable);
        Assert.Equal(3, paths.Count);
        var merged = KubeConfigLoader.LoadMerged(paths);
        Assert.Equal("a", merged.CurrentContext);
        Assert.Equal(2, merged.Clusters!.Count);
        Assert.Equal("https://first:6443", merged.Clusters.Single(c => c.Name == "shared").Cluster.Server);

        var a = KubeConfigLoader.Load(kubeconfigVariable: variable);
        Assert.Equal(new Uri("https://first:6443"), a.Server);
        Assert.IsType<StaticTokenProvider>(a.Credentials);
        var b = KubeConfigLoader.Load(context: "b", kubeconfigVariable: variable);
        Assert.Equal(new Uri("https://other:6443"), b.Server);
    }

    [Fact]
    public async Task Exec_plugin_output_is_used_and_cached_until_it_expires()
    {
        using var dir = new TempDirectory();
        var counter = Path.Combine(dir.Path, "count");
        var script = dir.Write("bin/get-token.sh", $$$"""
            #!/bin/sh
            n=$(cat "{{{counter}}}" 2>/dev/null || echo 0)
            n=$((n+1))
            echo $n > "{{{counter}}}"
            test "$EXTRA" = "yes" || { echo "EXTRA not set" >&2; exit 3; }
            echo "$KUBERNETES_EXEC_INFO" | grep -q '"kind":"ExecCredential"' || exit 4
            printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"token-%s-%s","expirationTimestamp":"2026-11-21T12:10:00Z"}}' "$1" "$n"
            """);
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var path = dir.Write("kubeconfig", """
            current-context: eks
            clusters:
            - name: eks
              cluster: {server: "https://ABC.gr7.eu-west-1.eks.amazonaws.com"}
            contexts:
            - name: eks
              context: {cluster: eks, user: eks-user}
            users:
            - name: eks-user
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: ./bin/get-token.sh
                  args: ["prod"]
                  env:
                  - name: EXTRA
                    value: "yes"
                  interactiveMode: Never
                  provideClusterInfo: false
            """);
        var time = new ManualTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero));
        var config = KubeConfigLoader.Load(path, time: time);
        var plugin = Assert.IsType<ExecCredentialProvider>(config.Credentials);

        Assert.Equal("token-prod-1", await plugin.GetTokenAsync(default));
        Assert.Equal("token-prod-1", await plugin.GetTokenAsync(default));
        Assert.Equal(1, plugin.Invocations);

        time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal("token-prod-2", await plugin.GetTokenAsync(default));
        Assert.Equal(2, plugin.Invocations);

        plugin.Invalidate();
        Assert.Equal("token-prod-3", await plugin.GetTokenAsync(default));
    }

    [Fact]
    public async Task A_failing_exec_plugin_reports_its_stderr()
    {
        using var dir = new TempDirectory();
        var script = dir.Write("fail.sh", "#!/bin/sh\necho 'please run aws sso login' >&2\nexit 1\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using var plugin = new ExecCredentialProvider(new ExecConfig { Command = script });
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => plugin.GetTokenAsync(default).AsTask());
        Assert.Contains("please run aws sso login", error.Message, StringComparison.Ordinal);
    }
}
