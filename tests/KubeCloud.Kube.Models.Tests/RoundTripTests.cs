using System.Text;
using System.Text.Json.Nodes;

namespace KubeCloud.Kube.Models.Tests;

public class RoundTripTests
{
    public static TheoryData<string, Type> Objects => new()
    {
        { "pod.json", typeof(V1Pod) },
        { "deployment.json", typeof(V1Deployment) },
        { "secret.json", typeof(V1Secret) },
        { "crd.json", typeof(V1CustomResourceDefinition) },
        { "lease.json", typeof(V1Lease) },
        { "status.json", typeof(V1Status) },
        { "admissionreview.json", typeof(V1AdmissionReview) },
    };

    [Theory]
    [MemberData(nameof(Objects))]
    public void Round_trip_keeps_the_json_structurally_equal(string fixture, Type type)
    {
        var input = Fixture.Read(fixture);

        var model = System.Text.Json.JsonSerializer.Deserialize(input, type, KubeJson.Options);
        var output = System.Text.Json.JsonSerializer.Serialize(model, type, KubeJson.Options);

        var expected = Fixture.WithoutNullProperties(input);
        var actual = JsonNode.Parse(output);
        Assert.True(JsonNode.DeepEquals(expected, actual), $"Round trip of {fixture} changed the JSON:\n{output}");
    }

    [Fact]
    public void Pod_fields_are_typed()
    {
        var pod = KubeJson.Deserialize<V1Pod>(Fixture.Read("pod.json"))!;

        Assert.Equal("web-0", pod.Metadata!.Name);
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 19, 30, 0, TimeSpan.Zero), pod.Metadata.CreationTimestamp);
        var container = Assert.Single(pod.Spec!.Containers!);
        Assert.Equal("250m", container.Resources!.Requests!["cpu"].Value);
        Assert.Equal(IntOrString.FromString("http"), container.LivenessProbe!.HttpGet!.Port);
        Assert.Equal(IntOrString.FromInt32(8080), container.ReadinessProbe!.TcpSocket!.Port);
        Assert.IsType<JsonObject>(pod.Metadata.ManagedFields![0].FieldsV1);
        Assert.Null(pod.Status!.Conditions![0].LastProbeTime);
    }

    [Fact]
    public void Nulls_are_omitted_when_writing()
    {
        var pod = new V1Pod { ApiVersion = "v1", Kind = "Pod", Metadata = new V1ObjectMeta { Name = "a" } };

        Assert.Equal("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"}}""", KubeJson.Serialize(pod));
    }

    [Fact]
    public void Secret_data_is_bytes_base64_on_the_wire()
    {
        var secret = KubeJson.Deserialize<V1Secret>(Fixture.Read("secret.json"))!;

        Assert.Equal("s3cr3t!", Encoding.UTF8.GetString(secret.Data!["password"]));
        Assert.Equal(new byte[] { 0x00, 0x01, 0xff }, secret.Data["binary"]);
        Assert.Empty(secret.Data["empty"]);
        Assert.Contains("\"password\":\"czNjcjN0IQ==\"", KubeJson.Serialize(secret), StringComparison.Ordinal);
    }

    [Fact]
    public void Crd_schema_tree_is_typed_where_the_document_types_it()
    {
        var crd = KubeJson.Deserialize<V1CustomResourceDefinition>(Fixture.Read("crd.json"))!;

        var spec = crd.Spec!.Versions![0].Schema!.OpenAPIV3Schema!.Properties!["spec"];
        Assert.Equal(2, spec.XKubernetesValidations!.Count);
        Assert.Equal("self.replicas <= 10", spec.XKubernetesValidations[0].Rule);
        Assert.True(spec.XKubernetesValidations[1].OptionalOldSelf);
        var port = spec.Properties!["port"];
        Assert.True(port.XKubernetesIntOrString);
        Assert.Equal("ssh", port.Default!.GetValue<string>());
        var powerState = spec.Properties["powerState"];
        Assert.Equal(3, powerState.Enum!.Count);
        Assert.Null(powerState.Enum[2]);
        Assert.Equal("object", spec.Properties["networks"].Items!["type"]!.GetValue<string>());
        Assert.False(spec.Properties["extra"].AdditionalProperties!.GetValue<bool>());
        Assert.Equal(".spec.replicas", crd.Spec.Versions[0].Subresources!.Scale!.SpecReplicasPath);
        Assert.NotNull(crd.Spec.Versions[0].Subresources!.Status);
    }

    [Fact]
    public void Admission_response_patch_is_base64()
    {
        var review = KubeJson.Deserialize<V1AdmissionReview>(Fixture.Read("admissionreview.json"))!;

        Assert.Equal("""[{"op":"add","path":"/spec/replicas","value":1}]""", Encoding.UTF8.GetString(review.Response!.Patch!));
        Assert.Equal("Server", review.Request!.Kind!.Kind);
        Assert.Equal(1, review.Request.Object!["spec"]!["replicas"]!.GetValue<int>());
    }
}
