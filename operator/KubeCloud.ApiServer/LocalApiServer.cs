using System.Net;
using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Aggregation;
using KubeCloud.ApiServer.Auth;
using KubeCloud.ApiServer.Crds;
using KubeCloud.ApiServer.Handlers;
using KubeCloud.ApiServer.Http;
using KubeCloud.ApiServer.Lifecycle;
using KubeCloud.ApiServer.Patching;
using KubeCloud.ApiServer.Persistence;
using KubeCloud.ApiServer.Resources;
using KubeCloud.ApiServer.Security;
using KubeCloud.ApiServer.Serialization;
using KubeCloud.ApiServer.Storage;
using KubeCloud.ApiServer.Validation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KubeCloud.ApiServer;

/// <summary>
/// An in-process, Kubernetes-compatible API server on 127.0.0.1 over HTTPS (HTTP/2 and HTTP/1.1):
/// the envtest of KubeCloud and the control plane of its all-in-one mode.
/// </summary>
public sealed class LocalApiServer : IAsyncDisposable
{
    /// <summary>The admin kubeconfig's file name in the data directory.</summary>
    public const string KubeconfigFileName = "kubecloud-apiserver.kubeconfig";

    private const string AdminUser = "kubecloud-admin";

    /// <summary>The data directory's record of the port the server last listened on.</summary>
    private const string PortFileName = "port";
    private static readonly string[] BootstrapNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];

    private readonly WebApplication _app;
    private readonly ObjectStore _store;
    private readonly TokenAuthenticator _authenticator;
    private readonly TokenStore _tokens;
    private readonly ClusterControllers _controllers;
    private readonly IChangeLog? _log;
    private readonly bool _ownsKubeconfig;
    private readonly WebhookAdmission _admission;
    private readonly ServiceAccountTokens _serviceAccountTokens;
    private readonly ApiServiceAvailability _availability;
    private readonly BackendTransport _backends;

    private LocalApiServer(WebApplication app, ObjectStore store, TokenAuthenticator authenticator, TokenStore tokens, ClusterControllers controllers, IChangeLog? log, Uri endpoint, string caCertificatePem, string adminToken, string kubeconfigPath, bool ownsKubeconfig, WebhookAdmission admission, ServiceAccountTokens serviceAccountTokens, ApiServiceAvailability availability, BackendTransport backends, FrontProxyCertificates frontProxy)
    {
        _availability = availability;
        _backends = backends;
        FrontProxyCaCertificatePem = frontProxy.CaCertificatePem;
        _tokens = tokens;
        CaCertificatePem = caCertificatePem;
        _admission = admission;
        _serviceAccountTokens = serviceAccountTokens;
        _app = app;
        _store = store;
        _authenticator = authenticator;
        _controllers = controllers;
        _log = log;
        Endpoint = endpoint;
        AdminToken = adminToken;
        KubeconfigPath = kubeconfigPath;
        _ownsKubeconfig = ownsKubeconfig;
    }

    /// <summary>https://127.0.0.1:port</summary>
    public Uri Endpoint { get; }

    /// <summary>A kubeconfig for the admin user (system:masters), with the CA embedded.</summary>
    public string KubeconfigPath { get; }

    public string AdminToken { get; }

    public string CaCertificatePem { get; }

    /// <summary>The front-proxy CA (PEM): extension API servers verify the aggregator's client certificate with it (also in <c>kube-system/extension-apiserver-authentication</c>).</summary>
    public string FrontProxyCaCertificatePem { get; }

    public long CurrentRevision => _store.Revision;

    /// <summary>
    /// Starts a server. With <see cref="LocalApiServerOptions.DataDirectory"/> it keeps its objects (SQLite change
    /// log), CA, serving certificate and tokens there, and starts from what an earlier server left.
    /// </summary>
    public static async Task<LocalApiServer> StartAsync(LocalApiServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new LocalApiServerOptions();
        var log = options.DataDirectory is { } dataDirectory ? new SqliteChangeLog(dataDirectory) : null;
        try
        {
            return await StartAsync(options, log, cancellationToken);
        }
        catch
        {
            log?.Dispose();
            throw;
        }
    }

    private static async Task<LocalApiServer> StartAsync(LocalApiServerOptions options, IChangeLog? log, CancellationToken cancellationToken)
    {
        var resources = new ResourceRegistry(BuiltInResourceCatalog.All);
        var store = new ObjectStore(options.WatchHistorySize, log);
        foreach (var crd in store.List(CustomResourceTypes.Definitions, null).Items)
        {
            resources.SetCustomResources(crd.Name, CustomResourceTypes.From(crd.Object));
        }

        var validation = new ObjectValidation(new StructuralSchemaValidation());
        var admission = new WebhookAdmission(new StoreObjectSource(store));
        var registry = new ObjectRegistry(store, resources, validation, admission);
        var crds = new CrdController(store, resources);
        store.Committed += crds.OnCommitted;

        var controllers = new ClusterControllers(registry);
        store.Committed += controllers.OnCommitted;

        var serviceAccountKeys = options.ServiceAccountKeys
            ?? (options.DataDirectory is { } keyDirectory ? new FileServiceAccountKeyStore(Path.Combine(keyDirectory, "pki", "sa.key")) : new MemoryServiceAccountKeyStore());
        var serviceAccountTokens = new ServiceAccountTokens(serviceAccountKeys, new StoreObjectSource(store), options.Clock);
        var certificates = options.DataDirectory is { } directory
            ? ServingCertificates.LoadOrCreate(Path.Combine(directory, "pki"), options.ServingCertificateLifetime)
            : options.ServingCertificateLifetime == ServingCertificates.DefaultLifetime ? ServingCertificates.Instance : ServingCertificates.InMemory(options.ServingCertificateLifetime);
        var tokens = new TokenStore(options.DataDirectory);
        var authenticator = new TokenAuthenticator(serviceAccountTokens);
        var stored = tokens.Load();
        foreach (var token in stored)
        {
            authenticator.Add(token.Token, token.User, token.Uid, token.Groups);
        }

        var admin = stored.FirstOrDefault(t => t.User == AdminUser && t.Groups.Contains(UserInfo.MastersGroup));
        if (admin is null)
        {
            admin = new TokenRecord(TokenAuthenticator.NewToken(), AdminUser, AdminUser, [UserInfo.MastersGroup]);
            tokens.Add(admin);
            authenticator.Add(admin.Token, admin.User, admin.Uid, admin.Groups);
        }

        if (options.TokenFile is { } tokenFile)
        {
            authenticator.LoadFile(tokenFile);
        }

        var objectSource = new StoreObjectSource(store);
        var aggregation = new ClusterRoleAggregation(store, objectSource);
        store.Committed += aggregation.OnCommitted;
        Bootstrap(registry, resources, options.CrdFiles);
        aggregation.Run();

        var frontProxy = options.DataDirectory is { } pkiHome ? FrontProxyCertificates.LoadOrCreate(Path.Combine(pkiHome, "pki")) : FrontProxyCertificates.InMemory();
        AuthenticationConfigMap.Publish(registry, frontProxy, clientCaPem: null);
        var backends = new BackendTransport(frontProxy);
        var resolver = new ServiceEndpointResolver(store);
        var availability = new ApiServiceAvailability(registry, resolver, backends, options.ApiServiceResync);
        store.Committed += availability.OnCommitted;

        var rbac = new RbacAuthorizer(objectSource);
        var reader = new ReadHandler(registry);
        Uri? endpoint = null;
        var dispatcher = new ApiDispatcher(
            authenticator,
            rbac,
            resources,
            new DiscoveryHandler(resources, () => endpoint is null ? "127.0.0.1:443" : $"{endpoint.Host}:{endpoint.Port}", () => availability.GroupVersions(resources.IsServedGroupVersion)),
            new OpenApiHandler(resources),
            reader,
            new WriteHandler(registry, reader),
            new PatchHandler(registry, new ServerSideApply(registry)),
            new WatchHandler(store, options.BookmarkInterval),
            new AccessReviewHandler(new AccessReviewEvaluator(rbac), authenticator),
            new ScaleHandler(registry),
            new TokenRequestHandler(store, serviceAccountTokens),
            new ApiServiceProxy(store, resources, resolver, backends),
            options.Faults);

        // With a data directory and no port asked for, the port of the last run, so that its kubeconfig stays valid (any free one if that is taken now).
        var portFile = options.DataDirectory is { } portHome ? Path.Combine(portHome, PortFileName) : null;
        var lastPort = options.Port == 0 && File.Exists(portFile) && int.TryParse(File.ReadAllText(portFile).Trim(), out var remembered) ? remembered : 0;
        WebApplication app;
        try
        {
            app = await ListenAsync(lastPort == 0 ? options.Port : lastPort, certificates, dispatcher.HandleAsync, cancellationToken);
        }
        catch (Exception e) when (lastPort != 0 && ListenFailure.IsPortInUse(e))
        {
            app = await ListenAsync(0, certificates, dispatcher.HandleAsync, cancellationToken);
        }

        var address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        endpoint = new Uri($"https://127.0.0.1:{new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)).Port}");
        if (portFile is not null)
        {
            File.WriteAllText(portFile, endpoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n");
        }

        // Per instance: the data directory's, else one named after the port (deleted with the server, whose CA and tokens die with it).
        var ownsKubeconfig = options.KubeconfigPath is null && options.DataDirectory is null;
        var kubeconfigPath = options.KubeconfigPath
            ?? (options.DataDirectory is { } home ? Path.Combine(home, KubeconfigFileName) : Path.Combine(Path.GetTempPath(), $"kubecloud-apiserver-{endpoint.Port}.kubeconfig"));
        var server = new LocalApiServer(app, store, authenticator, tokens, controllers, log, endpoint, certificates.CaCertificatePem, admin.Token, kubeconfigPath, ownsKubeconfig, admission, serviceAccountTokens, availability, backends, frontProxy);
        availability.Start();
        server.WriteKubeconfig(admin.Token, kubeconfigPath);
        return server;
    }

    /// <summary>Adds a user with a fresh bearer token (kept in the data directory, if any) and returns the token.</summary>
    public string AddUser(string name, params string[] groups)
    {
        var token = new TokenRecord(TokenAuthenticator.NewToken(), name, name, groups);
        _tokens.Add(token);
        _authenticator.Add(token.Token, token.User, token.Uid, token.Groups);
        return token.Token;
    }

    /// <summary>Writes a kubeconfig for a token (owner-only; to a temporary file when no path is given) and returns its path.</summary>
    public string WriteKubeconfig(string token, string? path = null)
    {
        path ??= Path.Combine(Path.GetTempPath(), $"kubecloud-local-{Endpoint.Port}-{Guid.NewGuid():N}.kubeconfig");
        var user = _authenticator.Authenticate("Bearer " + token)?.Name ?? "user";
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        using var file = OwnerOnlyFile.OpenWrite(path, FileMode.Create);
        file.Write(System.Text.Encoding.UTF8.GetBytes(KubeconfigWriter.Render(Endpoint, CaCertificatePem, user, token)));
        return path;
    }

    /// <summary>Drops the retained watch history: a watch from an earlier revision gets 410 Gone.</summary>
    public void CompactHistory() => _store.CompactHistory();

    /// <summary>
    /// How many watches of a resource are open (kube-apiserver's <c>apiserver_registered_watchers</c>); tests use it
    /// to know that a client such as <c>kubectl wait</c> is already watching before they make the change it waits for.
    /// </summary>
    public int OpenWatches(string group, string resource) => _store.OpenWatches(group, resource);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _controllers.DisposeAsync();
        await _availability.DisposeAsync();
        _backends.Dispose();
        _admission.Dispose();
        _serviceAccountTokens.Dispose();
        _log?.Dispose();
        if (_ownsKubeconfig)
        {
            File.Delete(KubeconfigPath);
        }
    }

    /// <summary>Kestrel on 127.0.0.1:<paramref name="port"/> (0: any free port), HTTPS with the current serving certificate per handshake, HTTP/2 and HTTP/1.1.</summary>
    private static async Task<WebApplication> ListenAsync(int port, ServingCertificates certificates, Microsoft.AspNetCore.Http.RequestDelegate handler, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, EmbeddedHostLifetime>();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = 64 * 1024 * 1024;
            kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;
            kestrel.Listen(IPAddress.Loopback, port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(https => https.ServerCertificateSelector = (_, _) => certificates.ServingCertificate);
            });
        });
        var app = builder.Build();
        app.Run(handler);
        try
        {
            await app.StartAsync(cancellationToken);
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    private static void Bootstrap(ObjectRegistry registry, ResourceRegistry resources, IEnumerable<string> crdFiles)
    {
        var namespaces = resources.Find("", "v1", "namespaces")!;
        foreach (var name in BootstrapNamespaces)
        {
            if (registry.Store.Get(ObjectRegistry.Namespaces, "", name) is null)
            {
                registry.Create(namespaces, "", new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = name } }, WriteOptions.Internal("kube-apiserver"));
            }
        }

        foreach (var policy in BootstrapPolicy.Objects())
        {
            var plural = policy.GetString("kind") == "ClusterRole" ? "clusterroles" : "clusterrolebindings";
            var type = resources.Find("rbac.authorization.k8s.io", "v1", plural)!;
            if (registry.Store.Get(type.GroupResource, "", policy.Name()) is null)
            {
                registry.Create(type, "", policy.DeepClone().AsObject(), WriteOptions.Internal("kube-apiserver"));
            }
        }

        var roles = resources.Find("rbac.authorization.k8s.io", "v1", "roles")!;
        foreach (var role in BootstrapPolicy.NamespacedRoles())
        {
            var ns = (string)role["metadata"]!["namespace"]!;
            if (registry.Store.Get(roles.GroupResource, ns, role.Name()) is null)
            {
                registry.Create(roles, ns, role.DeepClone().AsObject(), WriteOptions.Internal("kube-apiserver"));
            }
        }

        var crdType = resources.Find("apiextensions.k8s.io", "v1", "customresourcedefinitions")!;
        foreach (var file in crdFiles)
        {
            foreach (var document in global::KubeCloud.Crds.Yaml.YamlJsonReader.ReadAll(File.ReadAllText(file)).OfType<JsonObject>())
            {
                if (registry.Store.Get(crdType.GroupResource, "", document.Name()) is null)
                {
                    registry.Create(crdType, "", document, WriteOptions.Internal("kube-apiserver"));
                }
            }
        }
    }
}
