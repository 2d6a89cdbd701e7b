using System.Globalization;
using k8s.KubeConfigModels;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace KubeCloud.ControllerRuntime.Config;

/// <summary>
/// Reads a kubeconfig into KubernetesClient's <see cref="K8SConfiguration"/>, mapping YamlDotNet's node tree
/// (<see cref="YamlStream"/>) onto the model by hand, with the model's defaults where a key is absent. KubernetesClient's <c>BuildConfigFromConfigFile</c> reads it through
/// <c>KubernetesYaml</c>, whose type map is built by reflecting over every one of the package's ~900 model types: that
/// loads them all and costs a process about 40 MB (27 MB of it private) to read a 1 KB file (measured with a console
/// app: 91 MB RSS against 51 MB this way, the empty app 32 MB). YamlDotNet's object deserializer would need reflection
/// over the model (NativeAOT trims the constructors of its collections, node-daemon/README.md, "Memory"); the node tree
/// needs none. Keys the model has no member for are ignored, as before; <c>extensions</c> keep their names only and
/// <c>preferences</c> are skipped (KubernetesClient reads neither to build a configuration).
/// </summary>
public static class KubeconfigFile
{
    /// <summary>The kubeconfig at <paramref name="path"/>; relative certificate and token paths resolve against its folder.</summary>
    public static K8SConfiguration Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            // The message KubernetesClient's own reader gives, which the binaries print as their one line.
            throw new k8s.Exceptions.KubeConfigException($"kubeconfig file not found at {path}");
        }

        var yaml = new YamlStream();
        using (var reader = File.OpenText(full))
        {
            yaml.Load(reader);
        }

        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new k8s.Exceptions.KubeConfigException($"kubeconfig {full} is empty");
        }

        return new K8SConfiguration
        {
            ApiVersion = Scalar(root, "apiVersion"),
            Kind = Scalar(root, "kind"),
            CurrentContext = Scalar(root, "current-context"),
            Clusters = Items(root, "clusters", item => new Cluster
            {
                Name = Scalar(item, "name"),
                ClusterEndpoint = Child(item, "cluster") is YamlMappingNode c
                    ? new ClusterEndpoint
                    {
                        Server = Scalar(c, "server"),
                        CertificateAuthority = Scalar(c, "certificate-authority"),
                        CertificateAuthorityData = Scalar(c, "certificate-authority-data"),
                        TlsServerName = Scalar(c, "tls-server-name"),
                        SkipTlsVerify = Bool(c, "insecure-skip-tls-verify"),
                        Extensions = Extensions(c),
                    }
                    : null,
            }) ?? [],
            Contexts = Items(root, "contexts", item => new Context
            {
                Name = Scalar(item, "name"),
                Extensions = Extensions(item),
                ContextDetails = Child(item, "context") is YamlMappingNode c
                    ? new ContextDetails
                    {
                        Cluster = Scalar(c, "cluster"),
                        User = Scalar(c, "user"),
                        Namespace = Scalar(c, "namespace"),
                        Extensions = Extensions(c),
                    }
                    : null,
            }) ?? [],
            Users = Items(root, "users", item => new User
            {
                Name = Scalar(item, "name"),
                UserCredentials = Child(item, "user") is YamlMappingNode u ? Credentials(u) : null,
            }) ?? [],
            Extensions = Extensions(root),
            FileName = full,
        };
    }

    private static UserCredentials Credentials(YamlMappingNode u) => new()
    {
        ClientCertificateData = Scalar(u, "client-certificate-data"),
        ClientCertificate = Scalar(u, "client-certificate"),
        ClientKeyData = Scalar(u, "client-key-data"),
        ClientKey = Scalar(u, "client-key"),
        Token = Scalar(u, "token"),
        Impersonate = Scalar(u, "as"),
        ImpersonateGroups = Strings(u, "as-groups") ?? [],
        ImpersonateUserExtra = Map(Child(u, "as-user-extra")) ?? [],
        UserName = Scalar(u, "username"),
        Password = Scalar(u, "password"),
        AuthProvider = Child(u, "auth-provider") is YamlMappingNode p
            ? new AuthProvider { Name = Scalar(p, "name"), Config = Map(Child(p, "config")) }
            : null,
        ExternalExecution = Child(u, "exec") is YamlMappingNode e
            ? new ExternalExecution
            {
                ApiVersion = Scalar(e, "apiVersion"),
                Command = Scalar(e, "command"),
                Arguments = Strings(e, "args"),
                EnvironmentVariables = Child(e, "env") is YamlSequenceNode env
                    ? [.. env.Children.Select(v => Map(v) ?? [])]
                    : null,
                InstallHint = Scalar(e, "installHint"),
                ProvideClusterInfo = Bool(e, "provideClusterInfo"),
            }
            : null,
        Extensions = Extensions(u),
    };

    private static List<T>? Items<T>(YamlMappingNode node, string key, Func<YamlMappingNode, T> read) =>
        Child(node, key) is YamlSequenceNode items ? [.. items.Children.OfType<YamlMappingNode>().Select(read)] : null;

    private static List<NamedExtension>? Extensions(YamlMappingNode node) =>
        Items(node, "extensions", item => new NamedExtension { Name = Scalar(item, "name") });

    private static List<string>? Strings(YamlMappingNode node, string key) =>
        Child(node, key) is YamlSequenceNode items ? [.. items.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? "")] : null;

    private static Dictionary<string, string>? Map(YamlNode? node) =>
        node is YamlMappingNode map
            ? map.Children.Where(p => p.Key is YamlScalarNode { Value: not null })
                .ToDictionary(p => ((YamlScalarNode)p.Key).Value!, p => (p.Value as YamlScalarNode)?.Value ?? "", StringComparer.Ordinal)
            : null;

    private static YamlNode? Child(YamlNode? node, string key) =>
        node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null;

    /// <summary>A scalar's text; YAML's null (<c>~</c>, <c>null</c>, nothing) when plain is null, as the object deserializer read it.</summary>
    private static string? Scalar(YamlNode? node, string key) =>
        Child(node, key) is YamlScalarNode { Value: var value } scalar
        && !(scalar.Style == ScalarStyle.Plain && value is null or "" or "~" or "null" or "Null" or "NULL")
            ? value
            : null;

    private static bool Bool(YamlNode node, string key) =>
        Scalar(node, key) is { } text && (bool.TryParse(text, out var value)
            ? value
            : throw new k8s.Exceptions.KubeConfigException(string.Create(CultureInfo.InvariantCulture, $"kubeconfig key {key}: '{text}' is not true or false")));
}
