using System.Text.Json;
using k8s.Models;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.Node.Agent;

namespace KubeCloud.Node.IntegrationTests;

/// <summary>
/// kubecloud-node reads and writes JSON through <see cref="NodeJsonContext"/> alone (no reflection; its NativeAOT build
/// has none): each type it uses reads and writes the same JSON through the context as through KubernetesClient's
/// reflection-based options (this test process's <see cref="KubernetesJsonOptions.Options"/>), and a type outside the
/// context is an error that names it.
/// </summary>
public class NodeJsonContextTests
{
    private const string Metadata = """
        "metadata": {
          "name": "web-1", "namespace": "p", "uid": "0b6c", "resourceVersion": "42", "generation": 3,
          "creationTimestamp": "2026-12-04T10:00:00Z", "deletionTimestamp": "2026-12-04T10:00:01.123456Z",
          "labels": { "kubecloud.io/node": "n1" }, "annotations": { "a": "b" }, "finalizers": ["kubecloud.io/node-cleanup"],
          "ownerReferences": [{ "apiVersion": "kubecloud.io/v1alpha1", "kind": "Network", "name": "net", "uid": "9", "controller": false }],
          "managedFields": [{ "manager": "kubecloud-node", "operation": "Apply", "apiVersion": "kubecloud.io/v1alpha1", "time": "2026-12-04T10:00:00Z",
            "fieldsType": "FieldsV1", "fieldsV1": { "f:status": { "f:node": {} } }, "subresource": "status" }]
        }
        """;

    private const string Conditions = """
        "conditions": [{ "type": "Ready", "status": "True", "reason": "Running", "message": "up", "lastTransitionTime": "2026-12-04T10:00:02Z", "observedGeneration": 3 }],
        "observedGeneration": 3
        """;

    public static TheoryData<string, Type> Objects => new()
    {
        { $$"""
            { "apiVersion": "kubecloud.io/v1alpha1", "kind": "Server", {{Metadata}},
            "spec": { "flavorRef": { "name": "m1" }, "imageRef": { "name": "debian" }, "networks": [{ "networkRef": { "name": "net" } }],
              "volumes": [{ "volumeRef": { "name": "data" }, "device": "vdb" }], "sshKeys": ["ssh-ed25519 AAAA"], "powerState": "Stopped",
              "schedulerHints": { "sameHost": ["a"], "cidr": 24 }, "metadata": { "role": "web" } },
            "status": { {{Conditions}}, "phase": "Active", "taskState": "spawning", "powerState": "Running", "node": "n1", "hypervisorType": "qemu",
              "flavor": { "name": "m1", "vcpus": 1, "memory": "512Mi", "rootDisk": "1Gi" },
              "addresses": [{ "network": "net", "ipAddress": "10.0.0.5", "macAddress": "fa:16:3e:00:00:01", "port": "web-1-net" }],
              "schedulingAttempts": 1, "launchedAt": "2026-12-04T10:00:03Z" } }
            """, typeof(Server) },
        { $$"""
            { "apiVersion": "kubecloud.io/v1alpha1", "kind": "Hypervisor", {{Metadata}}, "spec": { "disabled": true, "disabledReason": "maintenance" },
            "status": { {{Conditions}}, "hypervisorType": "kvm", "hypervisorVersion": "7.2.0",
              "capacity": { "vcpus": 2, "memory": "23Gi", "disk": "100Gi" }, "allocated": { "vcpus": 1, "memory": "512Mi", "disk": "1Gi" } } }
            """, typeof(Api.V1Alpha1.Hypervisor) },
        { $$"""
            { "apiVersion": "kubecloud.io/v1alpha1", "kind": "Image", {{Metadata}},
            "spec": { "source": { "url": "http://127.0.0.1/disk.raw" }, "diskFormat": "raw", "checksum": "sha256:00", "visibility": "public" },
            "status": { {{Conditions}}, "nodes": [{ "node": "n1", "state": "Cached", "lastUsedTime": "2026-12-04T10:00:04Z" }] } }
            """, typeof(Image) },
        { $$"""
            { "apiVersion": "v1", "kind": "List", "metadata": { "resourceVersion": "42", "continue": "x" }, "items": [{ "apiVersion": "kubecloud.io/v1alpha1", "kind": "Port", {{Metadata}},
            "spec": { "networkRef": { "name": "net" }, "fixedIPs": [{ "subnet": "s", "ipAddress": "10.0.0.5" }] },
            "status": { {{Conditions}}, "phase": "Active", "macAddress": "fa:16:3e:00:00:01", "node": "n1", "interfaceName": "tap0" } }] }
            """, typeof(KubeList<Port>) },
        { $$"""
            { "apiVersion": "kubecloud.io/v1alpha1", "kind": "Volume", {{Metadata}}, "spec": { "size": "1Gi" },
            "status": { {{Conditions}}, "phase": "Available", "backendNode": "n1" } }
            """, typeof(Volume) },
        { """{ "kind": "Status", "apiVersion": "v1", "status": "Failure", "message": "gone", "reason": "Expired", "code": 410, "details": { "retryAfterSeconds": 1 } }""", typeof(V1Status) },
        { """
            { "apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "metadata": {}, "spec": { "token": "t" },
            "status": { "authenticated": true, "user": { "username": "u", "groups": ["g"], "extra": { "k": ["v"] } } } }
            """, typeof(V1TokenReview) },
        { """
            { "apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": { "name": "e", "namespace": "p" }, "eventTime": "2026-12-04T10:00:00.000001Z",
            "reportingController": "kubecloud-node", "reportingInstance": "n1", "action": "Spawn", "reason": "Started", "type": "Normal", "note": "n",
            "regarding": { "kind": "Server", "name": "web-1", "namespace": "p" }, "series": { "count": 2, "lastObservedTime": "2026-12-04T10:00:01.000002Z" } }
            """, typeof(Eventsv1Event) },
    };

    [Theory]
    [MemberData(nameof(Objects))]
    public void Reads_and_writes_each_type_as_reflection_does(string json, Type type)
    {
        var context = KubernetesJsonOptions.CreateSourceGenerated(NodeJsonContext.Default);
        var reflection = KubernetesJsonOptions.Options;

        var ours = JsonSerializer.Deserialize(json, context.GetTypeInfo(type))!;
        var theirs = JsonSerializer.Deserialize(json, type, reflection)!;

        // KubernetesClient's options cannot write a V1Status (its converter throws; nothing sends one): what was read is compared.
        var expected = type == typeof(V1Status)
            ? JsonSerializer.Serialize(theirs, context.GetTypeInfo(type))
            : JsonSerializer.Serialize(theirs, type, reflection);
        Assert.Equal(expected, JsonSerializer.Serialize(ours, context.GetTypeInfo(type)));
        Assert.Contains("\"apiVersion\"", expected, StringComparison.Ordinal);
    }

    [Fact]
    public void Writes_the_apply_and_merge_patch_bodies_as_reflection_does()
    {
        var context = KubernetesJsonOptions.CreateSourceGenerated(NodeJsonContext.Default);
        var body = new Dictionary<string, object?>
        {
            ["apiVersion"] = "kubecloud.io/v1alpha1",
            ["kind"] = "Server",
            ["metadata"] = new Dictionary<string, object?> { ["name"] = "web-1", ["namespace"] = "p" },
            ["status"] = new ServerStatus { Node = "n1", PowerState = ObservedPowerState.Running, LaunchedAt = DateTimeOffset.Parse("2026-12-04T10:00:03Z", System.Globalization.CultureInfo.InvariantCulture) },
            ["count"] = 2,
            ["big"] = 3L,
            ["flag"] = true,
        };

        Assert.Equal(JsonSerializer.Serialize(body, KubernetesJsonOptions.Options), JsonSerializer.Serialize(body, context.GetTypeInfo(body.GetType())));
    }

    [Fact]
    public void A_type_outside_the_context_is_an_error_naming_it()
    {
        var context = KubernetesJsonOptions.CreateSourceGenerated(NodeJsonContext.Default);

        var error = Assert.Throws<NotSupportedException>(() => context.GetTypeInfo(typeof(V1Pod)));
        Assert.Contains("V1Pod", error.Message, StringComparison.Ordinal);
    }
}
