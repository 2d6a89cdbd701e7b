using System.Net;
using System.Text.Json.Nodes;
using KubeCloud.LocalCluster.Auth;
using KubeCloud.LocalCluster.Crds;
using KubeCloud.LocalCluster.Handlers;
using KubeCloud.LocalCluster.Http;
using KubeCloud.LocalCluster.Lifecycle;
using KubeCloud.LocalCluster.Patching;
using KubeCloud.LocalCluster.Persistence;
using KubeCloud.LocalCluster.Resources;
using KubeCloud.LocalCluster.Security;
using KubeCloud.LocalCluster.Serialization;
using KubeCloud.LocalCluster.Storage;
using KubeCloud.LocalCluster.Validation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KubeCloud.LocalCluster;

/// <summary>
/// An in-process, Kubernetes-compatible API server on 127.0.0.1 over HTTPS (HTTP/2 and HTTP/1.1):
/// the envtest of KubeCloud and the control plane of its all-in-one mode.
/// </summary>
public sealed class LocalApiServer : IAsyncDisposable
{
    private static readonly string[] BootstrapNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];

    private readonly WebApplication _app;
    private readonly ObjectStore _store;
    private readonly TokenAuthenticator _authenticator;
    private readonly ClusterControllers _controllers;
    private readonly StoreSnapshot? _snapshot;
    private readonly Timer? _snapshotTimer;
    private readonly bool _ownsKubeconfig;
    private readonly WebhookAdmission _admission;
    private readonly ServiceAccountTokens _serviceAccountTokens;

    private LocalApiServer(WebApplication app, ObjectStore store, TokenAuthenticator authenticator, ClusterControllers controllers, StoreSnapshot? snapshot, Uri endpoint, string adminToken, string kubeconfigPath, bool ownsKubeconfig, WebhookAdmission admission, ServiceAccountTokens serviceAccountTokens)
    {
        _admission = admission;
        _serviceAccountTokens = serviceAccountTokens;
        _app = app;
        _store = store;
        _authenticator = authenticator;
        _controllers = controllers;
        _snapshot = snapshot;
        Endpoint = endpoint;
        AdminToken = adminToken;
        KubeconfigPath = kubeconfigPath;
        _ownsKubeconfig = ownsKubeconfig;
        if (snapshot is not null)
        {
            _snapshotTimer = new Timer(_ => SaveSnapshot(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>https://127.0.0.1:port</summary>
    public Uri Endpoint { get; }

    /// <summary>A kubeconfig for the admin user (system:masters), with the CA embedded.</summary>
    public string KubeconfigPath { get; }

    public string AdminToken { get; }

    public string CaCertificatePem { get; } = ServingCertificates.Instance.CaCertificatePem;

    public long CurrentRevision => _store.Revision;

    public static async Task<LocalApiServer> StartAsync(LocalApiServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new LocalApiServerOptions();
        var resources = new ResourceRegistry(BuiltInResourceCatalog.All);
        var store = new ObjectStore(options.WatchHistorySize);
        var validation = new ObjectValidation(new StructuralSchemaValidation());
        var admission = new WebhookAdmission(new StoreObjectSource(store));
        var registry = new ObjectRegistry(store, resources, validation, admission);
        var crds = new CrdController(store, resources);
        store.Committed += crds.OnCommitted;

        StoreSnapshot? snapshot = null;
        if (options.DataDirectory is { } dataDirectory)
        {
            snapshot = new StoreSnapshot(dataDirectory);
            if (snapshot.TryLoad(store))
            {
                foreach (var crd in store.List(CustomResourceTypes.Definitions, null).Items)
                {
                    resources.SetCustomResources(crd.Name, CustomResourceTypes.From(crd.Object));
                }
            }
        }

        var controllers = new ClusterControllers(registry);
        store.Committed += controllers.OnCommitted;

        var serviceAccountKeys = options.ServiceAccountKeys
            ?? (options.DataDirectory is { } keyDirectory ? new FileServiceAccountKeyStore(Path.Combine(keyDirectory, "pki", "sa.key")) : new MemoryServiceAccountKeyStore());
        var serviceAccountTokens = new ServiceAccountTokens(serviceAccountKeys, new StoreObjectSource(store), options.Clock);
        var authenticator = new TokenAuthenticator(serviceAccountTokens);
        var adminToken = TokenAuthenticator.NewToken();
        authenticator.Add(adminToken, "kubecloud-admin", "kubecloud-admin", [UserInfo.MastersGroup]);
        if (options.TokenFile is { } tokenFile)
        {
            authenticator.LoadFile(tokenFile);
        }

        var objectSource = new StoreObjectSource(store);
        var aggregation = new ClusterRoleAggregation(store, objectSource);
        store.Committed += aggregation.OnCommitted;
        Bootstrap(registry, resources, options.CrdFiles);
        aggregation.Run();

        var rbac = new RbacAuthorizer(objectSource);
        var reader = new ReadHandler(registry);
        Uri? endpoint = null;
        var dispatcher = new ApiDispatcher(
            authenticator,
            rbac,
            resources,
            new DiscoveryHandler(resources, () => endpoint is null ? "127.0.0.1:443" : $"{endpoint.Host}:{endpoint.Port}"),
            new OpenApiHandler(resources),
            reader,
            new WriteHandler(registry, reader),
            new PatchHandler(registry, new ServerSideApply(registry)),
            new WatchHandler(store, options.BookmarkInterval),
            new AccessReviewHandler(new AccessReviewEvaluator(rbac), authenticator),
            new ScaleHandler(registry),
            new TokenRequestHandler(store, serviceAccountTokens));

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, EmbeddedHostLifetime>();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = 64 * 1024 * 1024;
            kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;
            kestrel.Listen(IPAddress.Loopback, options.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(ServingCertificates.Instance.ServingCertificate);
            });
        });
        var app = builder.Build();
        app.Run(dispatcher.HandleAsync);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        endpoint = new Uri($"https://127.0.0.1:{new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)).Port}");

        var ownsKubeconfig = options.KubeconfigPath is null;
        var kubeconfigPath = options.KubeconfigPath ?? Path.Combine(Path.GetTempPath(), $"kubecloud-local-{endpoint.Port}-{Guid.NewGuid():N}.kubeconfig");
        var server = new LocalApiServer(app, store, authenticator, controllers, snapshot, endpoint, adminToken, kubeconfigPath, ownsKubeconfig, admission, serviceAccountTokens);
        server.WriteKubeconfig(adminToken, kubeconfigPath);
        return server;
    }

    /// <summary>Adds a user with a fresh bearer token and returns the token.</summary>
    public string AddUser(string name, params string[] groups)
    {
        var token = TokenAuthenticator.NewToken();
        _authenticator.Add(token, name, name, groups);
        return token;
    }

    /// <summary>Writes a kubeconfig for a token (to a temporary file when no path is given) and returns its path.</summary>
    public string WriteKubeconfig(string token, string? path = null)
    {
        path ??= Path.Combine(Path.GetTempPath(), $"kubecloud-local-{Endpoint.Port}-{Guid.NewGuid():N}.kubeconfig");
        var user = _authenticator.Authenticate("Bearer " + token)?.Name ?? "user";
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        File.WriteAllText(path, KubeconfigWriter.Render(Endpoint, CaCertificatePem, user, token));
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
        if (_snapshotTimer is not null)
        {
            await _snapshotTimer.DisposeAsync();
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
        await _controllers.DisposeAsync();
        _admission.Dispose();
        _serviceAccountTokens.Dispose();
        SaveSnapshot();
        if (_ownsKubeconfig)
        {
            File.Delete(KubeconfigPath);
        }
    }

    private void SaveSnapshot()
    {
        lock (_store)
        {
            _snapshot?.Save(_store);
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
