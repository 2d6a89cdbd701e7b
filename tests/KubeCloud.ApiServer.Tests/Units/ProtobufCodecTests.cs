using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Http;
using KubeCloud.ApiServer.OpenApi;
using KubeCloud.ApiServer.Serialization;
using KubeCloud.ApiServer.Serialization.Protobuf;

namespace KubeCloud.ApiServer.Tests.Units;

/// <summary>The table-driven protobuf codec: round trips per kind, Go's zero-value rules, refusals, and the tables against the OpenAPI document.</summary>
public sealed class ProtobufCodecTests
{
    private static readonly ProtoSchema Schema = ProtoSchema.Kubernetes;

    private static JsonObject Json(string text) => JsonNode.Parse(text)!.AsObject();

    private static void Same(JsonNode expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(expected, actual), $"expected {expected.ToJsonString()}\nactual   {actual?.ToJsonString()}");

    /// <summary>Objects of every kind kubectl create makes and of the special encodings (maps, int-or-string, quantities, times, bytes, raw JSON).</summary>
    public static TheoryData<string, string> Fixtures => new()
    {
        {
            "Deployment: probes, inline volume sources, quantities, int-or-string, pointer zeros, managedFields", """
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"p","labels":{"app":"web"},"annotations":{"a":"b"},
              "creationTimestamp":"2026-01-02T03:04:05Z","generation":3,"finalizers":["f"],
              "ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":"o","uid":"u1","controller":true}],
              "managedFields":[{"manager":"kubectl","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:04:05Z","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:replicas":{}}}}]},
             "spec":{"replicas":0,"selector":{"matchLabels":{"app":"web"},"matchExpressions":[{"key":"tier","operator":"In","values":["a","b"]}]},
              "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":1}},
              "template":{"metadata":{"labels":{"app":"web"}},"spec":{"automountServiceAccountToken":false,"terminationGracePeriodSeconds":30,
                "containers":[{"name":"web","image":"nginx","args":["-g","daemon off;"],"ports":[{"containerPort":80,"name":"http","protocol":"TCP"}],
                  "env":[{"name":"A","value":"1"},{"name":"B","valueFrom":{"secretKeyRef":{"name":"s","key":"k","optional":false}}}],
                  "resources":{"limits":{"cpu":"500m","memory":"128Mi"},"requests":{"cpu":"250m"}},
                  "livenessProbe":{"httpGet":{"path":"/healthz","port":"http"},"initialDelaySeconds":3,"periodSeconds":10},
                  "readinessProbe":{"tcpSocket":{"port":80}},
                  "securityContext":{"runAsNonRoot":true,"runAsUser":1000,"readOnlyRootFilesystem":false}}],
                "volumes":[{"name":"cfg","configMap":{"name":"c","defaultMode":420}},{"name":"scratch","emptyDir":{"sizeLimit":"1Gi"}}]}}},
             "status":{}}
            """
        },
        {
            "Service: ports with numeric and named target ports, node port, selector", """
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"web"},"spec":{"type":"NodePort","selector":{"app":"web"},
              "ports":[{"name":"http","port":80,"targetPort":8080,"nodePort":30080,"protocol":"TCP"},{"name":"https","port":443,"targetPort":"https"}],
              "clusterIP":"None","allocateLoadBalancerNodePorts":false},"status":{"loadBalancer":{"ingress":[{"ip":"10.0.0.1"}]}}}
            """
        },
        {
            "Secret: bytes that are not UTF-8, immutable", """
            {"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"type":"Opaque","immutable":true,"data":{"bin":"AP8Q/w==","password":"czNjcjN0"}}
            """
        },
        {
            "ConfigMap: data and binaryData", """
            {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1","empty":""},"binaryData":{"b":"AAEC"}}
            """
        },
        {
            "ServiceAccount", """
            {"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"robot"},"secrets":[{"name":"t"}],"imagePullSecrets":[{"name":"reg"}],"automountServiceAccountToken":true}
            """
        },
        {
            "Job: pointer zero backoffLimit, int64 deadline", """
            {"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"once"},"spec":{"backoffLimit":0,"completions":1,"activeDeadlineSeconds":5000000000,"ttlSecondsAfterFinished":0,
              "template":{"metadata":{},"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"busybox","command":["echo","hi"],"resources":{}}]}}}}
            """
        },
        {
            "CronJob: suspend false, job template", """
            {"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"nightly"},"spec":{"schedule":"0 3 * * *","suspend":false,"concurrencyPolicy":"Forbid",
              "jobTemplate":{"metadata":{"name":"nightly"},"spec":{"template":{"metadata":{},"spec":{"restartPolicy":"OnFailure","containers":[{"name":"c","image":"busybox"}]}}}}},
             "status":{"lastScheduleTime":"2026-03-04T05:06:07Z"}}
            """
        },
        {
            "Role", """
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"reader","namespace":"p"},
              "rules":[{"apiGroups":["","apps"],"resources":["pods","deployments"],"verbs":["get","list"],"resourceNames":["a"]}]}
            """
        },
        {
            "ClusterRole: non-resource URLs and an aggregation rule", """
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"agg"},
              "rules":[{"nonResourceURLs":["/logs/*"],"verbs":["get"]}],
              "aggregationRule":{"clusterRoleSelectors":[{"matchLabels":{"rbac.example.com/aggregate":"true"}}]}}
            """
        },
        {
            "RoleBinding granting a project", """
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"alice","namespace":"project-a"},
              "subjects":[{"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"alice"},{"kind":"ServiceAccount","name":"robot","namespace":"project-a"}],
              "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"kubecloud-member"}}
            """
        },
        {
            "ClusterRoleBinding", """
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"v"},
              "subjects":[{"kind":"Group","apiGroup":"rbac.authorization.k8s.io","name":"auditors"}],"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"}}
            """
        },
        {
            "ResourceQuota: quantity maps and scopes", """
            {"apiVersion":"v1","kind":"ResourceQuota","metadata":{"name":"q"},"spec":{"hard":{"cpu":"1","memory":"1G","pods":"2"},"scopes":["BestEffort"],
              "scopeSelector":{"matchExpressions":[{"scopeName":"PriorityClass","operator":"In","values":["high"]}]}},"status":{"hard":{"cpu":"1"},"used":{"cpu":"0"}}}
            """
        },
        {
            "PodDisruptionBudget: percentage int-or-string", """
            {"apiVersion":"policy/v1","kind":"PodDisruptionBudget","metadata":{"name":"web"},"spec":{"minAvailable":"50%","selector":{"matchLabels":{"app":"web"}},"unhealthyPodEvictionPolicy":"AlwaysAllow"},
             "status":{"disruptionsAllowed":0,"currentHealthy":0,"desiredHealthy":0,"expectedPods":0}}
            """
        },
        {
            "Ingress: rules, path types, service ports by number and name, TLS", """
            {"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"web","annotations":{"a":"b"}},"spec":{"ingressClassName":"nginx",
              "defaultBackend":{"service":{"name":"defsvc","port":{"name":"http"}}},
              "rules":[{"host":"foo.com","http":{"paths":[{"path":"/bar","pathType":"Prefix","backend":{"service":{"name":"svc","port":{"number":8080}}}}]}}],
              "tls":[{"hosts":["foo.com"],"secretName":"secret1"}]},"status":{"loadBalancer":{}}}
            """
        },
        {
            "PriorityClass: value 0 is kept (not omitempty)", """
            {"apiVersion":"scheduling.k8s.io/v1","kind":"PriorityClass","metadata":{"name":"zero"},"value":0,"globalDefault":true,"description":"d","preemptionPolicy":"Never"}
            """
        },
        {
            "Namespace", """
            {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"n"},"spec":{"finalizers":["kubernetes"]},"status":{"phase":"Active"}}
            """
        },
        {
            "SubjectAccessReview: extra (a map of string lists)", """
            {"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","metadata":{},"spec":{"user":"alice","groups":["devs"],"uid":"1",
              "extra":{"scopes":["a","b"]},"resourceAttributes":{"namespace":"p","verb":"get","resource":"pods"}},"status":{"allowed":true,"reason":"r"}}
            """
        },
        {
            "events.k8s.io Event: MicroTime and Time", """
            {"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"e"},"eventTime":"2026-01-02T03:04:05.123456Z","reportingController":"c","reportingInstance":"i",
              "action":"Create","reason":"Created","type":"Normal","regarding":{"kind":"Pod","name":"p"},"series":{"count":2,"lastObservedTime":"2026-01-02T03:04:06.000001Z"},
              "deprecatedFirstTimestamp":"2026-01-02T03:04:05Z"}
            """
        },
        {
            "ControllerRevision: raw JSON and an int64 beyond int32", """
            {"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{"name":"r"},"data":{"spec":{"template":{"x":[1,"2",true]}}},"revision":5000000000}
            """
        },
        {
            "DeleteOptions: pointer zero grace period", """
            {"apiVersion":"v1","kind":"DeleteOptions","gracePeriodSeconds":0,"propagationPolicy":"Foreground","preconditions":{"uid":"x"},"dryRun":["All"]}
            """
        },
    };

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Json_to_protobuf_and_back_is_the_same_object(string name, string json)
    {
        var obj = Json(json);
        var bytes = ProtobufBodies.Encode(obj);
        Assert.True(bytes is not null, name);
        Same(obj, ProtobufBodies.Decode(bytes));
    }

    private static int Number(string message, string json) => Schema.Message(message)!.FieldByJsonName(json)!.Number;

    private static byte[] Envelope(string apiVersion, string kind, Action<ProtoWireWriter> raw)
    {
        var body = new ProtoWireWriter();
        var inner = new ProtoWireWriter();
        raw(inner);
        body.Message(1, t =>
        {
            t.String(1, apiVersion);
            t.String(2, kind);
        });
        body.LengthDelimited(2, inner.Written);
        return [.. "k8s\0"u8.ToArray(), .. body.Written];
    }

    [Fact]
    public void Zeros_go_always_sends_are_left_out_but_a_pointer_set_to_zero_is_kept()
    {
        const string Spec = "k8s.io.api.apps.v1.DeploymentSpec";
        const string Meta = "k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta";
        // As Go marshals a Deployment: every non-pointer field is on the wire, zero or not.
        var body = Envelope("apps/v1", "Deployment", w =>
        {
            w.Message(1, m =>
            {
                m.String(Number(Meta, "name"), "web");
                m.String(Number(Meta, "generateName"), "");
                m.VarintField(Number(Meta, "generation"), 0);
                m.Message(Number(Meta, "creationTimestamp"), _ => { }); // the zero time
            });
            w.Message(2, s =>
            {
                s.VarintField(Number(Spec, "replicas"), 0); // *int32 set to 0
                s.VarintField(Number(Spec, "minReadySeconds"), 0); // int32, omitempty
                s.VarintField(Number(Spec, "paused"), 0); // bool, omitempty
                s.Message(Number(Spec, "strategy"), _ => { }); // a struct: Go's JSON keeps {}
            });
        });
        Same(Json("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":0,"strategy":{}}}"""), ProtobufBodies.Decode(body));
    }

    [Fact]
    public void Packed_repeated_scalars_are_read()
    {
        var field = Number("k8s.io.api.core.v1.PodSecurityContext", "supplementalGroups");
        var packed = new ProtoWireWriter();
        packed.Varint(1000);
        packed.Varint(2000);
        var body = Envelope("v1", "Pod", w => w.Message(2, spec => spec.Message(Number("k8s.io.api.core.v1.PodSpec", "securityContext"), sc => sc.LengthDelimited(field, packed.Written))));
        Same(JsonNode.Parse("[1000,2000]")!, ProtobufBodies.Decode(body)["spec"]!["securityContext"]!["supplementalGroups"]);
    }

    [Theory]
    [InlineData("an unknown field number", "apps/v1", "Deployment", 99, 400, "field 99 of k8s.io.api.apps.v1.DeploymentSpec is not in this server's protobuf tables")]
    [InlineData("a field with the wrong wire type", "apps/v1", "Deployment", 1, 400, "field 1 (replicas, int32) has wire type 2, expected 0")]
    [InlineData("a kind the tables do not have", "test.kubecloud.io/v1", "Widget", 1, 415, "kind Widget of test.kubecloud.io/v1 only as application/json")]
    public void Bodies_the_tables_cannot_read_are_refused_naming_message_and_field(string name, string apiVersion, string kind, int specField, int code, string message)
    {
        var body = Envelope(apiVersion, kind, w => w.Message(2, s => s.String(specField, "x")));
        var refused = Assert.Throws<ApiException>(() => ProtobufBodies.Decode(body));
        Assert.True(code == refused.Status.Code, name);
        Assert.Contains(message, refused.Status.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a field newer than the tables", """{"apiVersion":"apps/v1","kind":"Deployment","spec":{"template":{"spec":{"futureField":1}}}}""", "Deployment.spec.template.spec.futureField: k8s.io.api.core.v1.PodSpec has no such field")]
    [InlineData("a string where an integer belongs", """{"apiVersion":"apps/v1","kind":"Deployment","spec":{"replicas":"3"}}""", "Deployment.spec.replicas: expected an integer, got \"3\"")]
    [InlineData("bytes that are not base64", """{"apiVersion":"v1","kind":"Secret","data":{"k":"not base64!"}}""", "Secret.data[k]: expected base64 bytes")]
    public void Objects_the_tables_cannot_write_are_refused_with_the_path(string name, string json, string message)
    {
        var refused = Assert.Throws<ProtobufException>(() => ProtobufBodies.Encode(Json(json)));
        Assert.True(refused.Message.Contains(message, StringComparison.Ordinal), $"{name}: {refused.Message}");
    }

    [Theory]
    [InlineData("apps/v1", "Deployment")]
    [InlineData("v1", "ServiceAccount")]
    [InlineData("v1", "Service")]
    [InlineData("batch/v1", "Job")]
    [InlineData("batch/v1", "CronJob")]
    [InlineData("rbac.authorization.k8s.io/v1", "Role")]
    [InlineData("rbac.authorization.k8s.io/v1", "RoleBinding")]
    [InlineData("rbac.authorization.k8s.io/v1", "ClusterRole")]
    [InlineData("rbac.authorization.k8s.io/v1", "ClusterRoleBinding")]
    [InlineData("v1", "ResourceQuota")]
    [InlineData("policy/v1", "PodDisruptionBudget")]
    [InlineData("networking.k8s.io/v1", "Ingress")]
    [InlineData("scheduling.k8s.io/v1", "PriorityClass")]
    [InlineData("v1", "Secret")]
    [InlineData("v1", "ConfigMap")]
    [InlineData("v1", "Namespace")]
    [InlineData("authorization.k8s.io/v1", "SelfSubjectAccessReview")]
    [InlineData("authorization.k8s.io/v1", "SelfSubjectRulesReview")]
    [InlineData("authentication.k8s.io/v1", "SelfSubjectReview")]
    [InlineData("authentication.k8s.io/v1", "TokenRequest")]
    [InlineData("meta.k8s.io/v1", "DeleteOptions")]
    public void Every_kind_kubectl_creates_has_a_message(string apiVersion, string kind) =>
        Assert.Equal(kind, Schema.ForKind(apiVersion, kind)?.Name);

    [Fact]
    public void Every_json_name_of_the_tables_is_a_property_of_the_openapi_definition()
    {
        var document = KubernetesOpenApiDocument.Instance;
        var checkedMessages = 0;
        var wrong = new List<string>();
        foreach (var message in Schema.Messages.Where(m => m.Special == ProtoSpecial.None))
        {
            var definition = document.Definition(message.FullName.Replace("k8s.io.api.", "io.k8s.api.", StringComparison.Ordinal)
                .Replace("k8s.io.apimachinery.", "io.k8s.apimachinery.", StringComparison.Ordinal));
            if (definition?["properties"] is not JsonObject properties)
            {
                continue;
            }

            checkedMessages++;
            wrong.AddRange(message.JsonNames.Where(n => !properties.ContainsKey(n)).Select(n => $"{message.FullName}.{n}"));
        }

        Assert.True(checkedMessages > 400, $"only {checkedMessages} messages have a definition");
        Assert.Empty(wrong);
    }
}
