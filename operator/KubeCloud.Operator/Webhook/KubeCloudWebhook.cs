using System.Net;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Hosting;
using KubeCloud.Operator.Admission;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace KubeCloud.Operator.Webhook;

/// <summary>
/// Hosts the validating admission webhook in the operator process, beside the controllers:
/// <code>
/// builder.Services.AddKubeCloudWebhook();
/// builder.WebHost.ConfigureKestrel(k =&gt; k.ListenKubeCloudWebhook(new IPEndPoint(IPAddress.Any, 9443), certificate));
/// var app = builder.Build();
/// app.MapKubeCloudWebhook();
/// </code>
/// Every replica serves it, leader or not: it only reads the informer caches and asks SubjectAccessReviews.
/// </summary>
public static class KubeCloudWebhook
{
    /// <summary>The name of the webhook's HTTPS listener (<see cref="OperatorListeners"/>).</summary>
    public const string Listener = "webhook";

    /// <summary>The Service in front of the webhook in a cluster (the chart's), named in the made certificate.</summary>
    public const string ServiceName = "kubecloud-operator-webhook";

    /// <param name="services">The operator's services.</param>
    /// <param name="nodeServiceAccounts">The node daemons' service accounts (<c>namespace/name</c>) that
    /// <see cref="NodeRestriction"/> narrows to their own node; none narrows nobody.</param>
    public static IServiceCollection AddKubeCloudWebhook(this IServiceCollection services, IReadOnlyCollection<string>? nodeServiceAccounts = null)
    {
        var nodes = new NodeRestriction(nodeServiceAccounts ?? []);
        services.TryAddSingleton<InformerObjectLookup>();
        services.TryAddSingleton<IObjectLookup>(sp => sp.GetRequiredService<InformerObjectLookup>());
        services.TryAddSingleton<IAccessAuthorizer>(sp => new SubjectAccessReviewAuthorizer(
            sp.GetRequiredService<IKubeClient>() is KubeClient client
                ? client.Kubernetes
                : throw new InvalidOperationException("the webhook's SubjectAccessReviews need the runtime's KubeClient (its k8s.Kubernetes)")));
        const string create = "CREATE", update = "UPDATE", delete = "DELETE";
        services.AddSingleton<IKindWebhook>(sp => new KindWebhook<Server>(new ServerAdmission(Lookup(sp), Authorizer(sp)), create, update));
        services.AddSingleton<IKindWebhook>(sp => new KindWebhook<Port>(new PortAdmission(Lookup(sp), Authorizer(sp)), create, update));
        services.AddSingleton<IKindWebhook>(sp => new KindWebhook<Network>(new NetworkAdmission(Lookup(sp), Authorizer(sp)), create, update, delete));
        services.AddSingleton<IKindWebhook>(sp => new KindWebhook<Volume>(new VolumeAdmission(Lookup(sp), Authorizer(sp)), create, update, delete));
        services.AddSingleton<IKindWebhook>(sp => new KindWebhook<Image>(new ImageAdmission(Lookup(sp), Authorizer(sp)), create, update));
        services.AddSingleton<IKindWebhook>(sp => new KindWebhook<ServerGroup>(new ServerGroupAdmission(Lookup(sp)), create, update));
        services.AddSingleton<IKindWebhook>(sp => new KindWebhook<ProjectQuota>(new ProjectQuotaAdmission(), create, update));
        services.AddSingleton<IKindWebhook>(new NodeRestrictionWebhook<Hypervisor>((caller, _, _, name) => nodes.Hypervisor(caller, name), create, update, delete));
        services.AddSingleton<IKindWebhook>(new NodeRestrictionWebhook<Server>((caller, obj, old, _) => nodes.Server(caller, obj, old), update));
        services.AddSingleton<IKindWebhook>(new NodeRestrictionWebhook<Volume>((caller, obj, old, _) => nodes.Volume(caller, obj, old), update));
        services.AddSingleton<IKindWebhook>(new NodeRestrictionWebhook<Port>((caller, obj, old, _) => nodes.Port(caller, obj, old), create, update, delete));
        services.AddSingleton<IKindWebhook>(new NodeRestrictionWebhook<Image>((caller, obj, old, _) => nodes.Image(caller, obj, old), update));
        return services;
    }

    /// <summary>
    /// Maps each kind's path on the webhook listener. Call it before the host starts: it creates the informers the
    /// rules read, so they start with the others and /readyz waits for them.
    /// </summary>
    public static IEndpointRouteBuilder MapKubeCloudWebhook(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var services = endpoints.ServiceProvider;
        var lookup = services.GetRequiredService<InformerObjectLookup>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("KubeCloud.Operator.Webhook");
        foreach (var webhook in services.GetServices<IKindWebhook>())
        {
            endpoints.MapPost(webhook.Path, context => AdmissionReviewEndpoint.HandleAsync(context, webhook, lookup, logger)).OnListener(Listener);
        }

        return endpoints;
    }

    /// <summary>
    /// The webhook's HTTPS listener, also the aggregated API's (<c>servers/console</c>): it asks for a client
    /// certificate without requiring one, as an aggregated API server does. The API server's admission calls send none;
    /// its front proxy sends the request-header one, which <see cref="ControllerRuntime.Authorization.RequestHeaderAuthenticator"/>
    /// verifies per request against the CA the API server publishes (so the TLS handshake accepts any here).
    /// </summary>
    public static ListenOptions ListenKubeCloudWebhook(this KestrelServerOptions kestrel, IPEndPoint endpoint, WebhookCertificate certificate)
    {
        ArgumentNullException.ThrowIfNull(kestrel);
        ArgumentNullException.ThrowIfNull(certificate);
        ListenOptions? listen = null;
        kestrel.Listen(endpoint, l =>
        {
            listen = l;
            l.Named(Listener).UseHttps(new HttpsConnectionAdapterOptions
            {
                ServerCertificate = certificate.Serving,
                ClientCertificateMode = ClientCertificateMode.AllowCertificate,
                ClientCertificateValidation = static (_, _, _) => true,
            });
        });
        return listen!;
    }

    /// <summary><c>/validate-kubecloud-io-v1alpha1-server</c>: kubebuilder's path for a kind's validating webhook.</summary>
    public static string PathOf(ResourceInfo resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return $"/validate-{resource.Group.Replace('.', '-')}-{resource.Version}-{resource.Kind.ToLowerInvariant()}";
    }

    private static IObjectLookup Lookup(IServiceProvider services) => services.GetRequiredService<IObjectLookup>();

    private static IAccessAuthorizer Authorizer(IServiceProvider services) => services.GetRequiredService<IAccessAuthorizer>();
}
