using KubeCloud.Crds.Validation;
using KubeCloud.Crds.Yaml;
using KubeCloud.Testing;

namespace KubeCloud.Crds.Tests;

/// <summary>Manifests the schema alone accepts and only the CRDs' CEL rules refuse, on create and on update.</summary>
public sealed class CelManifestTests
{
    private const string Server = "apiVersion: kubecloud.io/v1alpha1\nkind: Server\nmetadata:\n  name: web\n  namespace: demo\nspec:\n  flavorRef:\n    name: m1.small\n";
    private const string Image = "apiVersion: kubecloud.io/v1alpha1\nkind: Image\nmetadata:\n  name: img\n  namespace: demo\nspec:\n  source:\n    url: https://example.com/a.qcow2\n";
    private const string Network = "apiVersion: kubecloud.io/v1alpha1\nkind: Network\nmetadata:\n  name: net\n  namespace: demo\nspec:\n";
    private const string Port = "apiVersion: kubecloud.io/v1alpha1\nkind: Port\nmetadata:\n  name: p\n  namespace: demo\nspec:\n";
    private const string Flavor = "apiVersion: kubecloud.io/v1alpha1\nkind: Flavor\nmetadata:\n  name: f\nspec:\n";

    // case, manifest, expected error (exact)
    public static TheoryData<string, string, string> OnCreate => new()
    {
        { "both imageRef and bootVolumeRef", Server + "  imageRef:\n    name: debian\n  bootVolumeRef:\n    name: boot\n",
            "spec: Invalid value: \"object\": set exactly one of imageRef and bootVolumeRef" },
        { "neither imageRef nor bootVolumeRef", Server,
            "spec: Invalid value: \"object\": set exactly one of imageRef and bootVolumeRef" },
        { "userData and userDataSecretRef", Server + "  imageRef:\n    name: debian\n  userData: x\n  userDataSecretRef:\n    name: s\n    key: k\n",
            "spec: Invalid value: \"object\": set at most one of userData and userDataSecretRef" },
        { "network entry with networkRef and portRef", Server + "  imageRef:\n    name: debian\n  networks:\n    - networkRef:\n        name: tenant\n      portRef:\n        name: web-0\n",
            "spec.networks: Invalid value: \"array\": each network entry sets exactly one of networkRef and portRef" },
        { "fixedIP with a port", Server + "  imageRef:\n    name: debian\n  networks:\n    - portRef:\n        name: p\n      fixedIP: 10.0.0.5\n",
            "spec.networks: Invalid value: \"array\": fixedIP may only be set together with networkRef" },
        { "a volume listed twice", Server + "  imageRef:\n    name: debian\n  volumes:\n    - volumeRef:\n        name: data\n    - volumeRef:\n        name: data\n",
            "spec.volumes: Invalid value: \"array\": a volume may be listed only once" },
        { "sharedWith on a private image", Image + "  visibility: private\n  sharedWith: [team-a]\n",
            "spec.sharedWith: Invalid value: \"object\": sharedWith may only be set when visibility is shared" },
        { "sharedWith on a defaulted (private) image", Image + "  sharedWith: [team-a]\n",
            "spec.sharedWith: Invalid value: \"object\": sharedWith may only be set when visibility is shared" },
        { "flat network with segmentationId", Network + "  providerType: flat\n  physicalNetwork: physnet1\n  segmentationId: 5\n",
            "spec.segmentationId: Invalid value: \"object\": segmentationId must not be set for a flat network" },
        { "vlan network without segmentationId", Network + "  providerType: vlan\n  physicalNetwork: physnet1\n",
            "spec.segmentationId: Invalid value: \"object\": a vlan network needs a segmentationId between 1 and 4094" },
        { "vlan id above 4094", Network + "  providerType: vlan\n  physicalNetwork: physnet1\n  segmentationId: 5000\n",
            "spec.segmentationId: Invalid value: \"object\": a vlan network needs a segmentationId between 1 and 4094" },
        { "vlan without physicalNetwork", Network + "  providerType: vlan\n  segmentationId: 100\n",
            "spec.physicalNetwork: Invalid value: \"object\": vlan and flat networks need a physicalNetwork" },
        { "projects on a public flavor", Flavor + "  vcpus: 1\n  memory: 1Gi\n  projects: [demo]\n",
            "spec.projects: Invalid value: \"object\": projects may only be set on a private flavor (public: false)" },
        { "maxServerPerHost with affinity", "apiVersion: kubecloud.io/v1alpha1\nkind: ServerGroup\nmetadata:\n  name: g\n  namespace: demo\nspec:\n  policy: affinity\n  rules:\n    maxServerPerHost: 2\n",
            "spec.rules.maxServerPerHost: Invalid value: \"object\": rules.maxServerPerHost is only valid with the anti-affinity policy" },
        { "disabledReason on an enabled hypervisor", "apiVersion: kubecloud.io/v1alpha1\nkind: Hypervisor\nmetadata:\n  name: node-1\nspec:\n  disabledReason: maintenance\n",
            "spec.disabledReason: Invalid value: \"object\": disabledReason may only be set when disabled is true" },
        { "volume from an image and a volume", "apiVersion: kubecloud.io/v1alpha1\nkind: Volume\nmetadata:\n  name: v\n  namespace: demo\nspec:\n  size: 1Gi\n  source:\n    imageRef:\n      name: i\n    volumeRef:\n      name: v2\n",
            "spec.source: Invalid value: \"object\": set at most one of imageRef and volumeRef" },
    };

    [Theory]
    [MemberData(nameof(OnCreate))]
    public void Create_is_refused_by_a_rule(string name, string yaml, string expected)
    {
        var manifest = YamlJsonReader.Read(yaml);
        Assert.True(GeneratedCrds.TryFor(manifest, out var validator));
        validator.Default(manifest);

        var schemaOnly = validator.Validate(manifest, UnknownFieldMode.Strict);
        Assert.True(schemaOnly.IsValid, $"{name}: the schema alone should accept it, but:\n{schemaOnly}");
        var result = validator.ValidateWithRules(manifest, oldValue: null, UnknownFieldMode.Strict);
        Assert.True(result.Errors.Select(e => e.ToString()).Contains(expected), $"{name}: expected\n  {expected}\ngot\n  {string.Join("\n  ", result.Errors)}");
    }

    // case, old manifest, new manifest, expected error (exact) or empty when the update is allowed
    public static TheoryData<string, string, string, string> OnUpdate => new()
    {
        { "changed Port networkRef", Port + "  networkRef:\n    name: a\n", Port + "  networkRef:\n    name: b\n",
            "spec.networkRef: Invalid value: \"object\": networkRef is immutable: a port cannot move to another network" },
        { "changed Port networkRef namespace", Port + "  networkRef:\n    name: a\n", Port + "  networkRef:\n    name: a\n    namespace: other\n",
            "spec.networkRef: Invalid value: \"object\": networkRef is immutable: a port cannot move to another network" },
        { "Port adminStateUp may change", Port + "  networkRef:\n    name: a\n", Port + "  networkRef:\n    name: a\n  adminStateUp: false\n", "" },
        { "changed Port MAC", Port + "  networkRef:\n    name: a\n  macAddress: fa:16:3e:00:00:01\n", Port + "  networkRef:\n    name: a\n  macAddress: fa:16:3e:00:00:02\n",
            "spec.macAddress: Invalid value: \"string\": macAddress is immutable" },
        { "changed image source", Image, Image.Replace("a.qcow2", "b.qcow2", StringComparison.Ordinal),
            "spec.source: Invalid value: \"object\": source is immutable: an image's content never changes, create a new Image" },
        { "changed subnet cidr (list map item correlated by name)",
            Network + "  subnets:\n    - name: v4\n      cidr: 10.0.0.0/24\n", Network + "  subnets:\n    - name: v6\n      cidr: fd00::/64\n    - name: v4\n      cidr: 10.0.1.0/24\n",
            "spec.subnets[1].cidr: Invalid value: \"object\": cidr is immutable" },
        { "new subnet added", Network + "  subnets:\n    - name: v4\n      cidr: 10.0.0.0/24\n", Network + "  subnets:\n    - name: v4\n      cidr: 10.0.0.0/24\n    - name: v6\n      cidr: fd00::/64\n", "" },
        { "changed provider type", Network + "  providerType: vxlan\n", Network + "  providerType: flat\n  physicalNetwork: physnet1\n",
            "spec.providerType: Invalid value: \"object\": providerType is immutable" },
        { "segmentationId set later", Network + "  mtu: 1450\n", Network + "  segmentationId: 77\n",
            "spec.segmentationId: Invalid value: \"object\": segmentationId is immutable" },
        { "resized flavor", Flavor + "  vcpus: 1\n  memory: 1Gi\n", Flavor + "  vcpus: 2\n  memory: 1Gi\n",
            "spec: Invalid value: \"object\": vcpus, memory, rootDisk, ephemeralDisk and swap are immutable: create a new flavor and resize servers to it" },
        { "flavor made private with projects", Flavor + "  vcpus: 1\n  memory: 1Gi\n", Flavor + "  vcpus: 1\n  memory: 1Gi\n  public: false\n  projects: [demo]\n", "" },
        { "server switched from image to volume", Server + "  imageRef:\n    name: debian\n", Server + "  bootVolumeRef:\n    name: boot\n",
            "spec.imageRef: Invalid value: \"object\": imageRef is immutable (rebuild is not supported yet)" },
        { "server resized and powered off", Server + "  imageRef:\n    name: debian\n", Server.Replace("m1.small", "m1.large", StringComparison.Ordinal) + "  imageRef:\n    name: debian\n  powerState: Stopped\n", "" },
        { "scheduler hints changed", Server + "  imageRef:\n    name: debian\n  schedulerHints:\n    sameHost: [a, b]\n", Server + "  imageRef:\n    name: debian\n  schedulerHints:\n    sameHost: [a, c]\n",
            "spec.schedulerHints: Invalid value: \"object\": schedulerHints are immutable: they only matter when the server is scheduled" },
        { "scheduler hints reordered (a set)", Server + "  imageRef:\n    name: debian\n  schedulerHints:\n    sameHost: [a, b]\n", Server + "  imageRef:\n    name: debian\n  schedulerHints:\n    sameHost: [b, a]\n", "" },
        { "server group policy changed", "apiVersion: kubecloud.io/v1alpha1\nkind: ServerGroup\nmetadata:\n  name: g\n  namespace: demo\nspec:\n  policy: affinity\n",
            "apiVersion: kubecloud.io/v1alpha1\nkind: ServerGroup\nmetadata:\n  name: g\n  namespace: demo\nspec:\n  policy: anti-affinity\n",
            "spec.policy: Invalid value: \"string\": policy is immutable" },
    };

    [Theory]
    [MemberData(nameof(OnUpdate))]
    public void Update_is_checked_by_transition_rules(string name, string oldYaml, string newYaml, string expected)
    {
        var oldManifest = YamlJsonReader.Read(oldYaml);
        var newManifest = YamlJsonReader.Read(newYaml);
        Assert.True(GeneratedCrds.TryFor(newManifest, out var validator));
        validator.Default(oldManifest);
        validator.Default(newManifest);

        Assert.True(validator.ValidateWithRules(newManifest, oldValue: null).IsValid, $"{name}: the new object alone should be valid on create");
        var result = validator.ValidateWithRules(newManifest, oldManifest, UnknownFieldMode.Strict);
        if (expected.Length == 0)
        {
            Assert.True(result.IsValid, $"{name}: refused:\n{result}");
        }
        else
        {
            Assert.True(result.Errors.Select(e => e.ToString()).Contains(expected), $"{name}: expected\n  {expected}\ngot\n  {string.Join("\n  ", result.Errors)}");
        }
    }

    [Fact]
    public void Rules_are_not_run_when_the_object_has_type_errors()
    {
        var manifest = YamlJsonReader.Read(Server + "  imageRef:\n    name: debian\n  bootVolumeRef:\n    name: boot\n  powerState: Sleeping\n");

        var result = GeneratedCrds.For("kubecloud.io/v1alpha1", "Server").ValidateWithRules(manifest);

        Assert.Equal(
            ["spec.powerState: Unsupported value: \"Sleeping\": supported values: \"Running\", \"Stopped\", \"Paused\", \"Suspended\"",
             "<root>: Invalid value: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation"],
            result.Errors.Select(e => e.ToString()));
    }

    [Fact]
    public void Every_example_passes_its_rules()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(RepositoryRoot.Path, "examples"), "*.yaml"))
        {
            foreach (var manifest in YamlJsonReader.ReadAll(File.ReadAllText(file)))
            {
                if (GeneratedCrds.TryFor(manifest, out var validator))
                {
                    validator.Default(manifest);
                    var result = validator.ValidateWithRules(manifest, manifest.DeepClone(), UnknownFieldMode.Strict);
                    Assert.True(result.IsValid, $"{Path.GetFileName(file)} {manifest["kind"]}:\n{result}");
                }
            }
        }
    }
}
