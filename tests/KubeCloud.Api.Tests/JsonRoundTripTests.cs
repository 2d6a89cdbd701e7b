using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using k8s;
using KubeCloud.Api.V1Alpha1;

namespace KubeCloud.Api.Tests;

public sealed class JsonRoundTripTests
{
    /// <summary>Kubernetes' JSON conventions: camelCase names, nulls omitted.</summary>
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static TheoryData<string> KindNames => [.. Kinds.All.Select(k => k.Name)];

    private static Type KindType(string name) => Kinds.All.Single(k => k.Name == name);

    [Theory]
    [MemberData(nameof(KindNames))]
    public void Json_to_object_to_json_keeps_every_field(string kind)
    {
        var expected = JsonNode.Parse(FullyPopulatedObjects.For(kind));

        var value = JsonSerializer.Deserialize(expected!.ToJsonString(), KindType(kind), Options);
        var written = JsonSerializer.SerializeToNode(value, KindType(kind), Options);

        Assert.True(JsonNode.DeepEquals(expected, written), $"{kind} changed in the round trip:\nexpected {expected.ToJsonString()}\nwritten  {written?.ToJsonString()}");
    }

    [Theory]
    [MemberData(nameof(KindNames))]
    public void KubernetesClient_serializer_keeps_every_field(string kind)
    {
        // The controller runtime reads and writes the kinds through k8s.KubernetesJson, not through the options above.
        var expected = JsonNode.Parse(FullyPopulatedObjects.For(kind));

        var value = typeof(KubernetesJson).GetMethod(nameof(KubernetesJson.Deserialize), [typeof(string), typeof(JsonSerializerOptions)])!
            .MakeGenericMethod(KindType(kind)).Invoke(null, [expected!.ToJsonString(), null]);
        var written = JsonNode.Parse(KubernetesJson.Serialize(value!));

        Assert.True(JsonNode.DeepEquals(expected, written), $"{kind} changed in the round trip:\nexpected {expected.ToJsonString()}\nwritten  {written?.ToJsonString()}");
    }

    [Theory]
    [MemberData(nameof(KindNames))]
    public void The_fixture_sets_every_field_of_the_kind(string kind)
    {
        var json = JsonNode.Parse(FullyPopulatedObjects.For(kind))!;
        var missing = new List<string>();

        CollectMissing(KindType(kind), json, kind, missing);

        Assert.True(missing.Count == 0, "fields never set in the fixture: " + string.Join(", ", missing));
    }

    [Fact]
    public void An_object_made_in_code_writes_wire_names_enum_strings_and_no_nulls()
    {
        var network = new Network
        {
            Metadata = new() { Name = "tenant", NamespaceProperty = "demo" },
            Spec = new NetworkSpec
            {
                ProviderType = ProviderType.Vxlan,
                Subnets = [new Subnet { Name = "v4", Cidr = "10.0.0.0/24" }],
            },
            Status = new NetworkStatus
            {
                Conditions = [new Condition { Type = "Ready", Status = ConditionStatus.False, Reason = "Pending", LastTransitionTime = new DateTimeOffset(2026, 1, 2, 4, 4, 5, TimeSpan.FromHours(1)) }],
            },
        };
        var expected = JsonNode.Parse("""
            {
              "apiVersion": "kubecloud.io/v1alpha1", "kind": "Network",
              "metadata": { "name": "tenant", "namespace": "demo" },
              "spec": {
                "subnets": [ { "name": "v4", "cidr": "10.0.0.0/24", "enableDHCP": true } ],
                "mtu": 1450, "shared": false, "external": false, "providerType": "vxlan"
              },
              "status": {
                "conditions": [ { "type": "Ready", "status": "False", "lastTransitionTime": "2026-01-02T03:04:05Z", "reason": "Pending" } ]
              }
            }
            """);

        var written = JsonSerializer.SerializeToNode(network, Options);

        Assert.True(JsonNode.DeepEquals(expected, written), written?.ToJsonString());
    }

    [Theory]
    [InlineData(typeof(DiskFormat), "\"qcow2\"", (int)DiskFormat.Qcow2)]
    [InlineData(typeof(CpuArchitecture), "\"x86_64\"", (int)CpuArchitecture.X8664)]
    [InlineData(typeof(ServerTaskState), "\"block-device-mapping\"", (int)ServerTaskState.BlockDeviceMapping)]
    [InlineData(typeof(ServerGroupPolicy), "\"soft-anti-affinity\"", (int)ServerGroupPolicy.SoftAntiAffinity)]
    [InlineData(typeof(DesiredPowerState), "\"Paused\"", (int)DesiredPowerState.Paused)]
    [InlineData(typeof(VolumePhase), "\"InUse\"", (int)VolumePhase.InUse)]
    public void Enums_use_their_wire_strings(Type enumType, string json, int member)
    {
        var value = Enum.ToObject(enumType, member);

        Assert.Equal(json, JsonSerializer.Serialize(value, enumType));
        Assert.Equal(value, JsonSerializer.Deserialize(json, enumType));
    }

    [Theory]
    [InlineData(typeof(DiskFormat), "\"vmdk\"")]
    [InlineData(typeof(DesiredPowerState), "\"Sleeping\"")]
    public void Unknown_enum_strings_are_refused(Type enumType, string json) =>
        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize(json, enumType));

    [Theory]
    [InlineData("\"2026-01-02T03:04:05Z\"", "\"2026-01-02T03:04:05Z\"")]
    [InlineData("\"2026-01-02T04:04:05+01:00\"", "\"2026-01-02T03:04:05Z\"")]
    [InlineData("\"2026-01-02T03:04:05.999Z\"", "\"2026-01-02T03:04:05Z\"")]
    public void Times_are_written_as_metav1_Time(string json, string written)
    {
        var condition = JsonSerializer.Deserialize<Condition>($$"""{"type":"Ready","status":"True","reason":"R","lastTransitionTime":{{json}}}""")!;

        Assert.Contains($"\"lastTransitionTime\":{written}", JsonSerializer.Serialize(condition, Options), StringComparison.Ordinal);
    }

    /// <summary>Every serialised property reachable from <paramref name="type"/> appears somewhere in <paramref name="json"/>.</summary>
    private static void CollectMissing(Type type, JsonNode? json, string path, List<string> missing)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string) || type.IsPrimitive || type.IsEnum || type == typeof(Quantity) || type == typeof(DateTimeOffset) || type.Name == "V1ObjectMeta")
        {
            return;
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        {
            return;
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            // A field of the items counts as set when any item sets it.
            var itemType = type.GetGenericArguments()[0];
            IEnumerable<string>? missingInAll = null;
            foreach (var item in json as JsonArray ?? [])
            {
                var missingHere = new List<string>();
                CollectMissing(itemType, item, path + "[]", missingHere);
                missingInAll = missingInAll is null ? missingHere : missingInAll.Intersect(missingHere).ToList();
            }

            missing.AddRange(missingInAll ?? [path + "[] (empty)"]);
            return;
        }

        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var name = property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(property.Name);
            var child = (json as JsonObject)?[name];
            if (child is null)
            {
                missing.Add($"{path}.{name}");
                continue;
            }

            CollectMissing(property.PropertyType, child, $"{path}.{name}", missing);
        }
    }
}
