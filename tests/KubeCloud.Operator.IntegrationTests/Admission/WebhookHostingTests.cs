using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using k8s.Models;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Cache;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.LeaderElection;
using KubeCloud.Operator.Admission;
using KubeCloud.Operator.Webhook;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using static KubeCloud.Operator.Tests.Fixtures.Build;

namespace KubeCloud.Operator.IntegrationTests.Admission;

/// <summary>How the webhook is hosted: on every replica, leader or not; on its own HTTPS listener; not before its caches sync.</summary>
public sealed class WebhookHostingTests
{
    [Fact]
    public async Task A_replica_that_is_not_the_leader_answers_admission_reviews()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        var leader = await cluster.StartOperatorAsync(identity: "op-1", leaderElection: true, webhook: true, controllers: false);
        await OperatorCluster.EventuallyAsync(() => leader.Services.GetRequiredService<LeaderElector>().IsLeader, "op-1 leads");

        // The webhook configuration now calls op-2, which waits for the lease op-1 holds.
        var follower = await cluster.StartOperatorAsync(identity: "op-2", leaderElection: true, webhook: true, controllers: false);
        Assert.False(follower.Services.GetRequiredService<LeaderElector>().IsLeader);

        using var admin = cluster.NewClient();
        var refusal = await Assert.ThrowsAsync<InvalidException>(() => admin.CreateAsync(Server("project-a", "vm", flavor: "nope").Unstamped()));
        Assert.Contains($"spec.flavorRef.name: flavor nope does not exist [{AdmissionRules.ReferenceExists}]", refusal.Status?.Message, StringComparison.Ordinal);
        Assert.False(follower.Services.GetRequiredService<LeaderElector>().IsLeader);
        Assert.True(leader.Services.GetRequiredService<LeaderElector>().IsLeader);
    }

    [Fact]
    public async Task The_webhook_paths_are_served_on_the_https_listener_only_and_the_probes_not_there()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        var op = await cluster.StartOperatorAsync(webhook: true, controllers: false);
        using var ca = X509Certificate2.CreateFromPem(await WebhookCaAsync(cluster));
        using var handler = WebhookTrust.Handler(ca);
        using var webhook = new HttpClient(handler) { BaseAddress = op.WebhookEndpoint };
        using var probes = new HttpClient { BaseAddress = op.HealthEndpoint };
        var path = KubeCloudWebhook.PathOf(ResourceInfo.Of<Server>());
        Assert.Equal("/validate-kubecloud-io-v1alpha1-server", path);

        var review = Review("CREATE", Server("project-a", "vm", flavor: "nope", image: null, configure: s => s.ImageRef = new() { Name = "public", Namespace = "nowhere" }));
        using var answer = await webhook.PostAsJsonAsync(path, review);
        answer.EnsureSuccessStatusCode();
        var response = (await answer.Content.ReadFromJsonAsync<AdmissionReview>())!.Response!;
        Assert.Equal(("review-1", false, 422), (response.Uid, response.Allowed, response.Status!.Code));
        Assert.Equal(
            [("spec.flavorRef.name", AdmissionRules.ReferenceExists), ("spec.imageRef", AdmissionRules.ReferenceExists)],
            response.Status.Details!.Causes!.Select(c => (c.Field, c.Reason)));
        Assert.Equal(
            $"spec.flavorRef.name: flavor nope does not exist [{AdmissionRules.ReferenceExists}]; spec.imageRef: image nowhere/public does not exist [{AdmissionRules.ReferenceExists}]",
            response.Status.Message);

        Assert.Equal(HttpStatusCode.NotFound, (await webhook.GetAsync("/readyz")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await webhook.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await probes.PostAsJsonAsync(path, review)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await probes.GetAsync("/readyz")).StatusCode);
    }

    [Fact]
    public async Task Before_its_caches_sync_the_webhook_refuses_with_503_saying_it_is_not_ready()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        using var client = cluster.NewClient();
        var lookup = new InformerObjectLookup(new SharedInformerFactory(client)); // never started: nothing synced
        var webhook = new KindWebhook<ServerGroup>(new ServerGroupAdmission(lookup), "CREATE");
        var context = new DefaultHttpContext();
        context.Request.Body = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(Review("CREATE", Group("project-a", "g"))));
        var body = new MemoryStream();
        context.Response.Body = body;

        await AdmissionReviewEndpoint.HandleAsync(context, webhook, lookup, NullLogger.Instance);

        var response = JsonSerializer.Deserialize<AdmissionReview>(body.ToArray())!.Response!;
        Assert.False(response.Allowed);
        Assert.Equal((503, "ServiceUnavailable"), (response.Status!.Code, response.Status.Reason));
        Assert.Contains("not ready", response.Status.Message, StringComparison.Ordinal);
    }

    private static AdmissionReview Review<T>(string operation, T obj)
        where T : class, k8s.IKubernetesObject<V1ObjectMeta> => new()
        {
            ApiVersion = AdmissionReview.ApiVersionV1,
            Kind = "AdmissionReview",
            Request = new AdmissionReviewRequest
            {
                Uid = "review-1",
                Operation = operation,
                Name = obj.Metadata.Name,
                Namespace = obj.Metadata.NamespaceProperty,
                UserInfo = new V1UserInfo { Username = "admin", Groups = ["system:masters"] },
                Object = JsonSerializer.SerializeToNode(obj.Unstamped(), KubernetesJsonOptions.Options),
            },
        };

    /// <summary>The caBundle the fixture registered: the API server trusts the webhook through it, and so does this test.</summary>
    private static async Task<string> WebhookCaAsync(OperatorCluster cluster)
    {
        using var admin = cluster.NewClient();
        var configuration = await admin.GetAsync<V1ValidatingWebhookConfiguration>(WebhookConfiguration.Name);
        return System.Text.Encoding.ASCII.GetString(configuration.Webhooks[0].ClientConfig.CaBundle);
    }
}
