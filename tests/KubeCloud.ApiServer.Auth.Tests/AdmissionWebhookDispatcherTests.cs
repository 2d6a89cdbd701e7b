using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using k8s.Models;
using KubeCloud.ApiServer.Auth;
using static KubeCloud.ApiServer.Auth.Tests.Build;

namespace KubeCloud.ApiServer.Auth.Tests;

/// <summary>One Kestrel HTTPS webhook server for the whole class; each test uses its own paths.</summary>
public sealed class WebhookServerFixture : IAsyncLifetime
{
    public WebhookServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await WebhookServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

public sealed class AdmissionWebhookDispatcherTests(WebhookServerFixture fixture) : IClassFixture<WebhookServerFixture>
{
    private static readonly UserInfo Alice = new("alice", "uid-alice", ["team-a", UserInfo.AuthenticatedGroup],
        new Dictionary<string, IReadOnlyList<string>> { ["scopes"] = ["project"] });

    private static readonly GroupVersionResource Servers = new("kubecloud.io", "v1alpha1", "servers");
    private static readonly GroupVersionKind ServerKind = new("kubecloud.io", "v1alpha1", "Server");

    private WebhookServer Server => fixture.Server;

    private static JsonObject ServerObject(string ns = "demo", string app = "web") => JsonNode.Parse($$$"""
        {"apiVersion":"kubecloud.io/v1alpha1","kind":"Server",
         "metadata":{"name":"web","namespace":"{{{ns}}}","labels":{"app":"{{{app}}}"}},
         "spec":{"flavorRef":"m1.small","imageRef":"debian"}}
        """)!.AsObject();

    private static AdmissionAttributes Create(JsonObject? obj = null, bool dryRun = false, string ns = "demo") =>
        new(AdmissionOperation.Create, Servers, ServerKind, ns, "web", Alice, obj ?? ServerObject(ns), DryRun: dryRun,
            Options: JsonNode.Parse("""{"apiVersion":"meta.k8s.io/v1","kind":"CreateOptions"}""")!.AsObject());

    private static V1RuleWithOperations ServerRule(string operations = "CREATE,UPDATE", string resources = "servers") => new()
    {
        Operations = [.. operations.Split(',')],
        ApiGroups = ["kubecloud.io"],
        ApiVersions = ["v1alpha1"],
        Resources = [.. resources.Split(',')],
        Scope = "Namespaced",
    };

    private V1ValidatingWebhook Validating(string name, string path, byte[]? caBundle = null) => new()
    {
        Name = name,
        ClientConfig = new() { Url = Server.Url(path), CaBundle = caBundle ?? Server.Certificates.CaBundle },
        Rules = [ServerRule()],
        SideEffects = "None",
        AdmissionReviewVersions = ["v1"],
        FailurePolicy = "Fail",
        TimeoutSeconds = 5,
    };

    private V1MutatingWebhook Mutating(string name, string path) => new()
    {
        Name = name,
        ClientConfig = new() { Url = Server.Url(path), CaBundle = Server.Certificates.CaBundle },
        Rules = [ServerRule()],
        SideEffects = "None",
        AdmissionReviewVersions = ["v1"],
        FailurePolicy = "Fail",
        TimeoutSeconds = 5,
    };

    private static JsonObject Config(string name, params V1ValidatingWebhook[] hooks) => Json(new V1ValidatingWebhookConfiguration
    {
        ApiVersion = "admissionregistration.k8s.io/v1",
        Kind = "ValidatingWebhookConfiguration",
        Metadata = new V1ObjectMeta { Name = name },
        Webhooks = [.. hooks],
    });

    private static JsonObject Config(string name, params V1MutatingWebhook[] hooks) => Json(new V1MutatingWebhookConfiguration
    {
        ApiVersion = "admissionregistration.k8s.io/v1",
        Kind = "MutatingWebhookConfiguration",
        Metadata = new V1ObjectMeta { Name = name },
        Webhooks = [.. hooks],
    });

    private static AdmissionWebhookDispatcher Dispatcher(params JsonObject[] objects) =>
        new(new InMemoryObjectSource([Namespace("demo", new() { ["env"] = "dev" }), Namespace("prod", new() { ["env"] = "prod" }), .. objects]));

    private static V1AdmissionResponse Allow() => new() { Allowed = true };

    private static V1AdmissionResponse Patch(string json, params string[] warnings) => new()
    {
        Allowed = true,
        PatchType = V1AdmissionResponse.JsonPatchType,
        Patch = Encoding.UTF8.GetBytes(json),
        Warnings = warnings.Length > 0 ? [.. warnings] : null,
    };

    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    [Fact]
    public async Task Mutating_webhook_patch_is_applied_and_the_review_carries_the_request()
    {
        Server.Handle("mutate-defaults", _ => Patch("""
            [{"op":"add","path":"/metadata/labels/kubecloud.io~1project","value":"demo"},
             {"op":"replace","path":"/spec/flavorRef","value":"m1.medium"}]
            """, "flavor m1.small is deprecated"));
        using var dispatcher = Dispatcher(Config("kubecloud", Mutating("mserver.kubecloud.io", "mutate-defaults")));

        var outcome = await dispatcher.MutateAsync(Create());

        Assert.True(outcome.Allowed);
        Assert.Equal("demo", (string?)outcome.Object!["metadata"]!["labels"]!["kubecloud.io/project"]);
        Assert.Equal("m1.medium", (string?)outcome.Object["spec"]!["flavorRef"]);
        Assert.Equal(["flavor m1.small is deprecated"], outcome.Warnings);

        var sent = Server.Received["mutate-defaults"].Single();
        Assert.Equal("admission.k8s.io/v1", sent.ApiVersion);
        Assert.Equal("AdmissionReview", sent.Kind);
        var request = sent.Request!;
        Assert.False(string.IsNullOrEmpty(request.Uid));
        Assert.Equal(("kubecloud.io", "v1alpha1", "Server"), (request.Kind!.Group, request.Kind.Version, request.Kind.Kind));
        Assert.Equal("servers", request.Resource!.Resource);
        Assert.Equal("servers", request.RequestResource!.Resource);
        Assert.Equal("Server", request.RequestKind!.Kind);
        Assert.Null(request.SubResource);
        Assert.Equal(("web", "demo", "CREATE"), (request.Name, request.Namespace, request.Operation));
        Assert.Equal("alice", request.UserInfo!.Username);
        Assert.Equal("uid-alice", request.UserInfo.Uid);
        Assert.Contains("team-a", request.UserInfo.Groups!);
        Assert.Equal(["project"], request.UserInfo.Extra!["scopes"]);
        Assert.Equal("m1.small", (string?)request.Object!["spec"]!["flavorRef"]);
        Assert.Null(request.OldObject);
        Assert.False(request.DryRun);
        Assert.Equal("CreateOptions", (string?)request.Options!["kind"]);
    }

    [Fact]
    public async Task Mutating_webhooks_run_in_order_and_see_earlier_patches()
    {
        Server.Handle("order-first", _ => Patch("""[{"op":"add","path":"/spec/powerState","value":"Running"}]"""));
        Server.Handle("order-second", r => (string?)r.Object!["spec"]!["powerState"] == "Running"
            ? Patch("""[{"op":"add","path":"/spec/seenFirst","value":true}]""")
            : Allow());
        using var dispatcher = Dispatcher(
            Config("b-second", Mutating("second.kubecloud.io", "order-second")),
            Config("a-first", Mutating("first.kubecloud.io", "order-first")));

        var outcome = await dispatcher.MutateAsync(Create());

        Assert.True((bool)outcome.Object!["spec"]!["seenFirst"]!);
    }

    [Fact]
    public async Task Reinvocation_IfNeeded_runs_an_earlier_webhook_again_after_a_later_mutation()
    {
        Server.Handle("reinvoke-early", _ => Allow());
        Server.Handle("reinvoke-late", r => r.Object!["spec"]!["late"] is null
            ? Patch("""[{"op":"add","path":"/spec/late","value":1}]""")
            : Allow());
        var early = Mutating("early.kubecloud.io", "reinvoke-early");
        early.ReinvocationPolicy = "IfNeeded";
        using var dispatcher = Dispatcher(Config("a", early), Config("b", Mutating("late.kubecloud.io", "reinvoke-late")));

        var outcome = await dispatcher.MutateAsync(Create());

        Assert.True(outcome.Allowed);
        Assert.Equal(2, Server.Calls("reinvoke-early"));
        Assert.Equal(1, Server.Calls("reinvoke-late"));
        Assert.Equal(1, (int)Server.Last("reinvoke-early").Object!["spec"]!["late"]!);
    }

    [Fact]
    public async Task Validating_denial_uses_kube_message_form_and_the_webhooks_status()
    {
        Server.Handle("validate-forcenode", _ => new V1AdmissionResponse
        {
            Allowed = false,
            Status = new V1Status { Code = 403, Reason = "Forbidden", Message = "spec.forceNode: Forbidden: only admins may force a node" },
            Warnings = ["checked by vserver"],
        });
        Server.Handle("validate-ok", _ => new V1AdmissionResponse { Allowed = true, Warnings = ["all good"] });
        using var dispatcher = Dispatcher(
            Config("kubecloud", Validating("vserver.kubecloud.io", "validate-forcenode")),
            Config("other", Validating("vok.kubecloud.io", "validate-ok")));

        var outcome = await dispatcher.ValidateAsync(Create());

        Assert.False(outcome.Allowed);
        Assert.Equal(403, outcome.Code);
        Assert.Equal("Forbidden", outcome.Status!.Reason);
        Assert.Equal("Failure", outcome.Status.Status);
        Assert.Equal("admission webhook \"vserver.kubecloud.io\" denied the request: spec.forceNode: Forbidden: only admins may force a node", outcome.Status.Message);
        Assert.Equal(["checked by vserver", "all good"], outcome.Warnings);
    }

    [Fact]
    public async Task Denial_without_status_is_400_without_explanation()
    {
        Server.Handle("validate-bare", _ => new V1AdmissionResponse { Allowed = false });
        using var dispatcher = Dispatcher(Config("kubecloud", Validating("bare.kubecloud.io", "validate-bare")));

        var outcome = await dispatcher.AdmitAsync(Create());

        Assert.Equal(400, outcome.Code);
        Assert.Equal("admission webhook \"bare.kubecloud.io\" denied the request without explanation", outcome.Status!.Message);
    }

    [Theory]
    [InlineData("Ignore", true)]
    [InlineData("Fail", false)]
    public async Task Unreachable_webhook_follows_failurePolicy(string policy, bool allowed)
    {
        var hook = Validating("down.kubecloud.io", "unused");
        hook.ClientConfig!.Url = $"https://127.0.0.1:{ClosedPort()}/validate";
        hook.FailurePolicy = policy;
        using var dispatcher = Dispatcher(Config("kubecloud", hook));

        var outcome = await dispatcher.ValidateAsync(Create());

        Assert.Equal(allowed, outcome.Allowed);
        if (!allowed)
        {
            Assert.Equal(500, outcome.Code);
            Assert.Equal("InternalError", outcome.Status!.Reason);
            Assert.StartsWith("Internal error occurred: failed calling webhook \"down.kubecloud.io\": failed to call webhook: Post \"https://127.0.0.1:", outcome.Status.Message);
        }
        else
        {
            Assert.Contains("down.kubecloud.io", outcome.AuditAnnotations.Values);
        }
    }

    [Theory]
    [InlineData("Ignore", true)]
    [InlineData("Fail", false)]
    public async Task Slow_webhook_times_out_and_follows_failurePolicy(string policy, bool allowed)
    {
        var path = $"slow-{policy}";
        Server.Handle(path, async _ =>
        {
            await Task.Delay(TimeSpan.FromSeconds(4));
            return Allow();
        });
        var hook = Mutating("slow.kubecloud.io", path);
        hook.TimeoutSeconds = 1;
        hook.FailurePolicy = policy;
        using var dispatcher = Dispatcher(Config("kubecloud", hook));

        var started = DateTime.UtcNow;
        var outcome = await dispatcher.MutateAsync(Create());

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(3));
        Assert.Equal(allowed, outcome.Allowed);
        if (!allowed)
        {
            Assert.Equal(500, outcome.Code);
            Assert.EndsWith("?timeout=1s\": context deadline exceeded", outcome.Status!.Message);
        }
    }

    [Theory]
    [InlineData("Ignore", true)]
    [InlineData("Fail", false)]
    public async Task Wrong_CA_fails_the_TLS_handshake_and_follows_failurePolicy(string policy, bool allowed)
    {
        var path = $"wrong-ca-{policy}";
        Server.Handle(path, _ => Allow());
        using var otherCa = new TestCertificates("another-ca");
        var hook = Validating("tls.kubecloud.io", path, otherCa.CaBundle);
        hook.FailurePolicy = policy;
        using var dispatcher = Dispatcher(Config("kubecloud", hook));

        var outcome = await dispatcher.ValidateAsync(Create());

        Assert.Equal(allowed, outcome.Allowed);
        Assert.Equal(0, Server.Calls(path));
        if (!allowed)
        {
            Assert.Contains("SSL connection could not be established", outcome.Status!.Message);
        }
    }

    [Theory]
    [InlineData("prod", true)]
    [InlineData("demo", false)]
    public async Task NamespaceSelector_matches_the_namespace_labels(string ns, bool called)
    {
        var path = $"ns-selector-{ns}";
        Server.Handle(path, _ => Allow());
        var hook = Validating("ns.kubecloud.io", path);
        hook.NamespaceSelector = new V1LabelSelector
        {
            MatchExpressions = [new V1LabelSelectorRequirement { Key = "env", OperatorProperty = "In", Values = ["prod", "staging"] }],
        };
        using var dispatcher = Dispatcher(Config("kubecloud", hook));

        Assert.True((await dispatcher.ValidateAsync(Create(ns: ns))).Allowed);
        Assert.Equal(called ? 1 : 0, Server.Calls(path));
    }

    [Fact]
    public async Task NamespaceSelector_in_a_missing_namespace_is_404()
    {
        var hook = Validating("ns.kubecloud.io", "never");
        hook.NamespaceSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string>() { ["env"] = "prod" } };
        using var dispatcher = Dispatcher(Config("kubecloud", hook));

        var outcome = await dispatcher.ValidateAsync(Create(ns: "ghost"));

        Assert.Equal(404, outcome.Code);
        Assert.Equal("namespaces \"ghost\" not found", outcome.Status!.Message);
    }

    [Theory]
    [InlineData("prod", "Cluster", true)]
    [InlineData("dev", "Cluster", false)]
    [InlineData("prod", "Namespaced", false)]
    public async Task Namespace_objects_are_cluster_scoped_and_matched_by_their_own_labels(string env, string scope, bool called)
    {
        var path = $"namespace-{env}-{scope}";
        Server.Handle(path, _ => Allow());
        var hook = Validating("namespaces.kubecloud.io", path);
        hook.Rules = [new V1RuleWithOperations { Operations = ["CREATE"], ApiGroups = [""], ApiVersions = ["v1"], Resources = ["namespaces"], Scope = scope }];
        hook.NamespaceSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string>() { ["env"] = "prod" } };
        using var dispatcher = Dispatcher(Config("kubecloud", hook));

        var created = Namespace("fresh", new() { ["env"] = env });
        await dispatcher.ValidateAsync(new AdmissionAttributes(
            AdmissionOperation.Create, new("", "v1", "namespaces"), new("", "v1", "Namespace"), "fresh", "fresh", Alice, created));

        Assert.Equal(called ? 1 : 0, Server.Calls(path));
    }

    [Theory]
    [InlineData("web", true)]
    [InlineData("db", false)]
    public async Task ObjectSelector_matches_the_object_labels(string app, bool called)
    {
        var path = $"object-selector-{app}";
        Server.Handle(path, _ => Allow());
        var hook = Validating("obj.kubecloud.io", path);
        hook.ObjectSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string>() { ["app"] = "web" } };
        using var dispatcher = Dispatcher(Config("kubecloud", hook));

        await dispatcher.ValidateAsync(Create(ServerObject(app: app)));

        Assert.Equal(called ? 1 : 0, Server.Calls(path));
    }

    public sealed record RuleCase(string Name, string Operations, string Resources, string Operation, string Subresource, bool Called)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<RuleCase> RuleCases() =>
    [
        new("create matches CREATE", "CREATE", "servers", "CREATE", "", true),
        new("DELETE is not CREATE", "CREATE", "servers", "DELETE", "", false),
        new("* matches any operation", "*", "servers", "DELETE", "", true),
        new("another resource", "*", "networks", "CREATE", "", false),
        new("resource rule does not match a subresource", "*", "servers", "UPDATE", "status", false),
        new("resource/sub matches that subresource", "*", "servers/status", "UPDATE", "status", true),
        new("*/sub matches any resource's subresource", "*", "*/status", "UPDATE", "status", true),
        new("resource/* matches the resource and subresources", "*", "servers/*", "UPDATE", "status", true),
        new("*/* matches everything", "*", "*/*", "CONNECT", "console", true),
        new("* does not match subresources", "*", "*", "UPDATE", "status", false),
    ];

    [Theory]
    [MemberData(nameof(RuleCases))]
    public async Task Rules_decide_whether_a_webhook_is_called(RuleCase @case)
    {
        var path = $"rules-{@case.Name.Replace(' ', '-').Replace("*", "star").Replace("/", "-")}";
        Server.Handle(path, _ => Allow());
        var hook = Validating("rules.kubecloud.io", path);
        hook.Rules = [ServerRule(@case.Operations, @case.Resources)];
        using var dispatcher = Dispatcher(Config("kubecloud", hook));

        var attributes = Create() with { Operation = @case.Operation, Subresource = @case.Subresource };
        Assert.True((await dispatcher.ValidateAsync(attributes)).Allowed);
        Assert.Equal(@case.Called ? 1 : 0, Server.Calls(path));
    }

    [Fact]
    public async Task Rules_with_another_version_match_only_under_Equivalent()
    {
        Server.Handle("version-equivalent", _ => Allow());
        Server.Handle("version-exact", _ => Allow());
        var equivalent = Validating("eq.kubecloud.io", "version-equivalent");
        equivalent.Rules![0].ApiVersions = ["v1beta1"];
        var exact = Validating("ex.kubecloud.io", "version-exact");
        exact.Rules![0].ApiVersions = ["v1beta1"];
        exact.MatchPolicy = "Exact";
        using var dispatcher = Dispatcher(Config("kubecloud", equivalent, exact));

        await dispatcher.ValidateAsync(Create());

        Assert.Equal(1, Server.Calls("version-equivalent"));
        Assert.Equal(0, Server.Calls("version-exact"));
    }

    [Fact]
    public async Task DryRun_refuses_a_webhook_with_side_effects_and_sends_dryRun_to_one_without()
    {
        Server.Handle("dryrun-some", _ => Allow());
        Server.Handle("dryrun-none", _ => Allow());
        var some = Validating("effects.kubecloud.io", "dryrun-some");
        some.SideEffects = "Some";
        some.FailurePolicy = "Ignore";
        var none = Validating("noeffects.kubecloud.io", "dryrun-none");
        none.SideEffects = "NoneOnDryRun";

        using (var dispatcher = Dispatcher(Config("kubecloud", none)))
        {
            Assert.True((await dispatcher.ValidateAsync(Create(dryRun: true))).Allowed);
            Assert.True(Server.Last("dryrun-none").DryRun);
        }

        using (var dispatcher = Dispatcher(Config("kubecloud", some)))
        {
            var outcome = await dispatcher.ValidateAsync(Create(dryRun: true));
            Assert.Equal(400, outcome.Code);
            Assert.Equal("BadRequest", outcome.Status!.Reason);
            Assert.Equal("admission webhook \"effects.kubecloud.io\" does not support dry run", outcome.Status.Message);
            Assert.Equal(0, Server.Calls("dryrun-some"));

            Assert.True((await dispatcher.ValidateAsync(Create())).Allowed);
            Assert.Equal(1, Server.Calls("dryrun-some"));
        }
    }

    [Fact]
    public async Task Service_client_config_goes_through_the_resolver_and_checks_the_service_name()
    {
        Server.Handle("service-mutate", _ => Patch("""[{"op":"add","path":"/spec/viaService","value":true}]"""));
        var hook = Mutating("svc.kubecloud.io", "unused");
        hook.ClientConfig = new()
        {
            Service = new() { NamespaceProperty = "demo", Name = "webhook", Path = "/service-mutate", Port = 8443 },
            CaBundle = Server.Certificates.CaBundle,
        };
        var resolved = new List<string>();
        var source = new InMemoryObjectSource(Config("kubecloud", hook));
        using var dispatcher = new AdmissionWebhookDispatcher(source, new AdmissionWebhookOptions
        {
            ResolveService = (ns, name, port) =>
            {
                resolved.Add($"{ns}/{name}:{port}");
                return new IPEndPoint(IPAddress.Loopback, Server.Port);
            },
        });

        var outcome = await dispatcher.MutateAsync(Create());

        Assert.True(outcome.Allowed, outcome.Status?.Message);
        Assert.True((bool)outcome.Object!["spec"]!["viaService"]!);
        Assert.Equal(["demo/webhook:8443"], resolved);
    }

    [Fact]
    public async Task Service_without_a_resolver_fails_to_call()
    {
        var hook = Validating("svc.kubecloud.io", "unused");
        hook.ClientConfig = new() { Service = new() { NamespaceProperty = "demo", Name = "webhook" }, CaBundle = Server.Certificates.CaBundle };
        using var dispatcher = Dispatcher(Config("kubecloud", hook));

        var outcome = await dispatcher.ValidateAsync(Create());

        Assert.Equal(500, outcome.Code);
        Assert.Contains("https://webhook.demo.svc/?timeout=5s", outcome.Status!.Message);
    }

    [Fact]
    public async Task Response_with_the_wrong_uid_is_a_call_failure()
    {
        Server.Handle("wrong-uid", _ => new V1AdmissionResponse { Allowed = true, Uid = "not-the-request" });
        using var dispatcher = Dispatcher(Config("kubecloud", Validating("uid.kubecloud.io", "wrong-uid")));

        var outcome = await dispatcher.ValidateAsync(Create());

        Assert.Equal(500, outcome.Code);
        Assert.Contains("expected response.uid=", outcome.Status!.Message);
    }

    [Fact]
    public async Task Webhook_configurations_are_never_sent_to_webhooks()
    {
        Server.Handle("exempt", _ => new V1AdmissionResponse { Allowed = false });
        var hook = Validating("all.kubecloud.io", "exempt");
        hook.Rules = [new V1RuleWithOperations { Operations = ["*"], ApiGroups = ["*"], ApiVersions = ["*"], Resources = ["*"] }];
        using var dispatcher = Dispatcher(Config("kubecloud", hook));

        var outcome = await dispatcher.ValidateAsync(new AdmissionAttributes(
            AdmissionOperation.Delete,
            new("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations"),
            new("admissionregistration.k8s.io", "v1", "ValidatingWebhookConfiguration"),
            "", "kubecloud", Alice));

        Assert.True(outcome.Allowed);
        Assert.Equal(0, Server.Calls("exempt"));
    }

    [Fact]
    public async Task Bad_patch_from_a_webhook_is_an_internal_error()
    {
        Server.Handle("bad-patch", _ => Patch("""[{"op":"remove","path":"/spec/missing"}]"""));
        using var dispatcher = Dispatcher(Config("kubecloud", Mutating("bad.kubecloud.io", "bad-patch")));

        var outcome = await dispatcher.MutateAsync(Create());

        Assert.Equal(500, outcome.Code);
        Assert.Contains("remove operation does not apply: doc is missing path: \"/spec/missing\"", outcome.Status!.Message);
    }
}
