using System.Security.Cryptography.X509Certificates;
using System.Text;
using YamlDotNet.Serialization;

namespace KubeCloud.Kube.Config;

/// <summary>
/// Reads kubeconfig files as kubectl does: <c>KUBECONFIG</c> may list several files (joined with ':'), merged so that
/// the first file to define a cluster, context or user (or the current-context) wins; file references
/// (certificate-authority, client-certificate, client-key, tokenFile, exec commands with a '/') are relative
/// to the file that holds them.
/// </summary>
public static class KubeConfigLoader
{
    private static readonly IDeserializer Yaml = new DeserializerBuilder().IgnoreUnmatchedProperties().Build();

    /// <summary>
    /// Loads and resolves a kubeconfig: <paramref name="path"/> if given, else the files of
    /// <paramref name="kubeconfigVariable"/> (default: the KUBECONFIG environment variable), else <c>~/.kube/config</c>.
    /// </summary>
    public static KubeClientConfig Load(string? path = null, string? context = null, string? kubeconfigVariable = null, TimeProvider? time = null)
    {
        var paths = path is not null ? [path] : DefaultPaths(kubeconfigVariable ?? Environment.GetEnvironmentVariable("KUBECONFIG"));
        return Resolve(LoadMerged(paths), context, time);
    }

    /// <summary>The files kubectl would read for this KUBECONFIG value.</summary>
    public static IReadOnlyList<string> DefaultPaths(string? kubeconfigVariable)
    {
        if (!string.IsNullOrWhiteSpace(kubeconfigVariable))
        {
            return kubeconfigVariable.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return [Path.Combine(home, ".kube", "config")];
    }

    /// <summary>Reads and merges the files that exist among <paramref name="paths"/>.</summary>
    public static KubeConfigFile LoadMerged(IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var files = paths.Where(File.Exists).Select(p => Parse(File.ReadAllText(p), Path.GetDirectoryName(Path.GetFullPath(p)))).ToList();
        if (files.Count == 0)
        {
            throw new FileNotFoundException($"No kubeconfig file found at: {string.Join(", ", paths)}");
        }

        return Merge(files);
    }

    /// <summary>Parses one kubeconfig; relative file references become absolute against <paramref name="baseDirectory"/>.</summary>
    public static KubeConfigFile Parse(string yaml, string? baseDirectory = null)
    {
        var file = Yaml.Deserialize<KubeConfigFile?>(yaml) ?? new KubeConfigFile();
        if (baseDirectory is null)
        {
            return file;
        }

        foreach (var cluster in file.Clusters ?? [])
        {
            cluster.Cluster.CertificateAuthority = Absolute(cluster.Cluster.CertificateAuthority, baseDirectory);
        }

        foreach (var user in file.Users ?? [])
        {
            user.User.ClientCertificate = Absolute(user.User.ClientCertificate, baseDirectory);
            user.User.ClientKey = Absolute(user.User.ClientKey, baseDirectory);
            user.User.TokenFile = Absolute(user.User.TokenFile, baseDirectory);
            if (user.User.Exec is { } exec && exec.Command.Contains('/', StringComparison.Ordinal))
            {
                exec.Command = Absolute(exec.Command, baseDirectory)!;
            }
        }

        return file;
    }

    /// <summary>Merges files in order: the first definition of each name wins, as does the first current-context.</summary>
    public static KubeConfigFile Merge(IEnumerable<KubeConfigFile> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var merged = new KubeConfigFile { Clusters = [], Contexts = [], Users = [] };
        foreach (var file in files)
        {
            merged.CurrentContext ??= string.IsNullOrEmpty(file.CurrentContext) ? null : file.CurrentContext;
            AddNew(merged.Clusters, file.Clusters, c => c.Name);
            AddNew(merged.Contexts, file.Contexts, c => c.Name);
            AddNew(merged.Users, file.Users, u => u.Name);
        }

        return merged;
    }

    /// <summary>Resolves the named context (default: current-context) into a client configuration.</summary>
    public static KubeClientConfig Resolve(KubeConfigFile file, string? context = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        var contextName = context ?? file.CurrentContext
            ?? throw new InvalidOperationException("The kubeconfig has no current-context and none was named.");
        var ctx = file.Contexts?.FirstOrDefault(c => c.Name == contextName)?.Context
            ?? throw new InvalidOperationException($"The kubeconfig has no context '{contextName}'.");
        var cluster = file.Clusters?.FirstOrDefault(c => c.Name == ctx.Cluster)?.Cluster
            ?? throw new InvalidOperationException($"Context '{contextName}' names cluster '{ctx.Cluster}', which the kubeconfig does not define.");
        var user = file.Users?.FirstOrDefault(u => u.Name == ctx.User)?.User ?? new UserConfig();
        if (string.IsNullOrEmpty(cluster.Server))
        {
            throw new InvalidOperationException($"Cluster '{ctx.Cluster}' has no server.");
        }

        var proxy = string.IsNullOrEmpty(cluster.ProxyUrl) ? null : ClusterProxy.Parse(cluster.ProxyUrl, ctx.Cluster ?? "");
        var caPem = Pem(cluster.CertificateAuthorityData, cluster.CertificateAuthority);
        var credentials = CredentialsOf(user, time, new ExecClusterInfo
        {
            Server = cluster.Server,
            TlsServerName = cluster.TlsServerName,
            InsecureSkipTlsVerify = cluster.InsecureSkipTlsVerify,
            CertificateAuthorityData = caPem is null ? null : Encoding.UTF8.GetBytes(caPem),
            ProxyUrl = cluster.ProxyUrl,
        });
        return new KubeClientConfig
        {
            Server = new Uri(cluster.Server),
            Namespace = string.IsNullOrEmpty(ctx.Namespace) ? "default" : ctx.Namespace,
            InsecureSkipTlsVerify = cluster.InsecureSkipTlsVerify,
            TlsServerName = cluster.TlsServerName,
            CertificateAuthorities = caPem is null ? null : LoadCertificates(caPem),
            ClientCertificate = LoadClientCertificate(user),
            ClientCertificateSource = credentials as IClientCertificateSource,
            Credentials = credentials,
            ProxyUrl = proxy,
        };
    }

    private static ICredentialProvider? CredentialsOf(UserConfig user, TimeProvider? time, ExecClusterInfo cluster)
    {
        if (user.Exec is { } exec)
        {
            return new ExecCredentialProvider(exec, time: time, cluster: cluster);
        }

        if (!string.IsNullOrEmpty(user.Token))
        {
            return new StaticTokenProvider(user.Token);
        }

        if (!string.IsNullOrEmpty(user.TokenFile))
        {
            return new TokenFileProvider(user.TokenFile, time);
        }

        return null;
    }

    private static X509Certificate2? LoadClientCertificate(UserConfig user)
    {
        var certPem = Pem(user.ClientCertificateData, user.ClientCertificate);
        var keyPem = Pem(user.ClientKeyData, user.ClientKey);
        if (certPem is null)
        {
            return null;
        }

        if (keyPem is null)
        {
            throw new InvalidOperationException("The kubeconfig user has a client certificate but no client key.");
        }

        return ClientCertificates.FromPem(certPem, keyPem);
    }

    private static X509Certificate2Collection LoadCertificates(string pem)
    {
        var collection = new X509Certificate2Collection();
        collection.ImportFromPem(pem);
        if (collection.Count == 0)
        {
            throw new InvalidOperationException("The certificate authority holds no PEM certificate.");
        }

        return collection;
    }

    private static string? Pem(string? base64Data, string? path)
    {
        if (!string.IsNullOrEmpty(base64Data))
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(base64Data));
        }

        return string.IsNullOrEmpty(path) ? null : File.ReadAllText(path);
    }

    private static string? Absolute(string? path, string baseDirectory) =>
        string.IsNullOrEmpty(path) || Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(baseDirectory, path));

    private static void AddNew<T>(List<T> into, List<T>? from, Func<T, string> name)
    {
        foreach (var item in from ?? [])
        {
            if (!into.Any(existing => name(existing) == name(item)))
            {
                into.Add(item);
            }
        }
    }
}
