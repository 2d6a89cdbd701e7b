using KubeCloud.Crds.Validation;

namespace KubeCloud.Crds.Tests;

/// <summary>Manifests the generated schemas refuse, each with the path of the offending field.</summary>
public sealed class InvalidManifestTests
{
    private const string Flavor = "apiVersion: kubecloud.io/v1alpha1\nkind: Flavor\nmetadata:\n  name: bad\n";
    private const string Server = "apiVersion: kubecloud.io/v1alpha1\nkind: Server\nmetadata:\n  name: bad\n  namespace: demo\n";
    private const string Network = "apiVersion: kubecloud.io/v1alpha1\nkind: Network\nmetadata:\n  name: bad\n  namespace: demo\n";
    private const string Port = "apiVersion: kubecloud.io/v1alpha1\nkind: Port\nmetadata:\n  name: bad\n  namespace: demo\n";
    private const string Image = "apiVersion: kubecloud.io/v1alpha1\nkind: Image\nmetadata:\n  name: bad\n  namespace: demo\n";
    private const string Volume = "apiVersion: kubecloud.io/v1alpha1\nkind: Volume\nmetadata:\n  name: bad\n  namespace: demo\n";
    private const string Hypervisor = "apiVersion: kubecloud.io/v1alpha1\nkind: Hypervisor\nmetadata:\n  name: bad\n";
    private const string ServerGroup = "apiVersion: kubecloud.io/v1alpha1\nkind: ServerGroup\nmetadata:\n  name: bad\n  namespace: demo\n";
    private const string Quota = "apiVersion: kubecloud.io/v1alpha1\nkind: ProjectQuota\nmetadata:\n  name: bad\n  namespace: demo\n";

    private const string ServerSpec = "spec:\n  flavorRef:\n    name: m1.small\n  imageRef:\n    name: debian-12\n";
    private const string ImageSource = "spec:\n  source:\n    url: https://example.com/a.qcow2\n";

    // case, manifest, path of the offending field, the error as kube-apiserver prints it (or its start)
    public static TheoryData<string, string, string, string> Cases => new()
    {
        { "negative vcpus", Flavor + "spec:\n  vcpus: -1\n  memory: 1Gi\n", "spec.vcpus",
            "spec.vcpus: Invalid value: -1: spec.vcpus in body should be greater than or equal to 1" },
        { "too many vcpus", Flavor + "spec:\n  vcpus: 2048\n  memory: 1Gi\n", "spec.vcpus",
            "spec.vcpus: Invalid value: 2048: spec.vcpus in body should be less than or equal to 1024" },
        { "vcpus as a string", Flavor + "spec:\n  vcpus: \"two\"\n  memory: 1Gi\n", "spec.vcpus",
            "spec.vcpus: Invalid value: \"string\": spec.vcpus in body must be of type integer: \"string\"" },
        { "memory lots", Flavor + "spec:\n  vcpus: 1\n  memory: lots\n", "spec.memory",
            "spec.memory: Invalid value: \"lots\": spec.memory in body should match '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$'" },
        { "memory as a boolean", Flavor + "spec:\n  vcpus: 1\n  memory: true\n", "spec.memory",
            "spec.memory: Invalid value: \"boolean\": spec.memory in body must be of type integer,string: \"boolean\"" },
        { "missing memory", Flavor + "spec:\n  vcpus: 1\n", "spec.memory", "spec.memory: Required value" },
        { "missing spec", Flavor, "spec", "spec: Required value" },
        { "duplicate flavor project", Flavor + "spec:\n  vcpus: 1\n  memory: 1Gi\n  public: false\n  projects: [a, b, a]\n", "spec.projects[2]",
            "spec.projects[2]: Duplicate value: \"a\"" },
        { "unknown powerState", Server + ServerSpec + "  powerState: Sleeping\n", "spec.powerState",
            "spec.powerState: Unsupported value: \"Sleeping\": supported values: \"Running\", \"Stopped\", \"Paused\", \"Suspended\"" },
        { "missing flavorRef", Server + "spec:\n  imageRef:\n    name: debian-12\n", "spec.flavorRef", "spec.flavorRef: Required value" },
        { "unknown field (strict)", Server + ServerSpec + "  flavour: m1.small\n", "spec.flavour", "unknown field \"spec.flavour\"" },
        { "unknown nested field (strict)", Server + ServerSpec + "  networks:\n    - networkRef:\n        name: tenant\n      ip: 10.0.0.1\n", "spec.networks[0].ip",
            "unknown field \"spec.networks[0].ip\"" },
        { "bad fixed IP", Server + ServerSpec + "  networks:\n    - networkRef:\n        name: tenant\n      fixedIP: 10.0.0.300\n", "spec.networks[0].fixedIP",
            "spec.networks[0].fixedIP: Invalid value: \"10.0.0.300\": spec.networks[0].fixedIP in body should match" },
        { "too many networks", Server + ServerSpec + "  networks:\n" + string.Concat(Enumerable.Range(0, 17).Select(i => $"    - networkRef:\n        name: n{i}\n")), "spec.networks",
            "spec.networks: Too many: 17: must have at most 16 items" },
        { "bad volume device", Server + ServerSpec + "  volumes:\n    - volumeRef:\n        name: data\n      device: sda\n", "spec.volumes[0].device",
            "spec.volumes[0].device: Invalid value: \"sda\": spec.volumes[0].device in body should match '^vd[b-z]$'" },
        { "flavor name with capitals", Server + "spec:\n  flavorRef:\n    name: M1.Small\n  imageRef:\n    name: debian-12\n", "spec.flavorRef.name",
            "spec.flavorRef.name: Invalid value: \"M1.Small\"" },
        { "user data too long", Server + ServerSpec + "  userData: " + new string('x', 65537) + "\n", "spec.userData",
            "spec.userData: Too long: may not be more than 65536 bytes" },
        { "too many metadata keys", Server + ServerSpec + "  metadata:\n" + string.Concat(Enumerable.Range(0, 129).Select(i => $"    k{i}: v\n")), "spec.metadata",
            "spec.metadata: Too many: 129: must have at most 128 items" },
        { "metadata value not a string", Server + ServerSpec + "  metadata:\n    count: 3\n", "spec.metadata.count",
            "spec.metadata.count: Invalid value: \"integer\": spec.metadata.count in body must be of type string: \"integer\"" },
        { "duplicate sameHost entries", Server + ServerSpec + "  schedulerHints:\n    sameHost: [db, db]\n", "spec.schedulerHints.sameHost[1]",
            "spec.schedulerHints.sameHost[1]: Duplicate value: \"db\"" },
        { "bad subnet CIDR", Network + "spec:\n  subnets:\n    - name: v4\n      cidr: 10.0.0.0/33\n", "spec.subnets[0].cidr",
            "spec.subnets[0].cidr: Invalid value: \"10.0.0.0/33\": spec.subnets[0].cidr in body should match" },
        { "CIDR without prefix", Network + "spec:\n  subnets:\n    - name: v4\n      cidr: 10.0.0.0\n", "spec.subnets[0].cidr",
            "spec.subnets[0].cidr: Invalid value: \"10.0.0.0\"" },
        { "missing subnet cidr", Network + "spec:\n  subnets:\n    - name: v4\n", "spec.subnets[0].cidr", "spec.subnets[0].cidr: Required value" },
        { "duplicate subnet names", Network + "spec:\n  subnets:\n    - name: v4\n      cidr: 10.0.0.0/24\n    - name: v4\n      cidr: 10.0.1.0/24\n", "spec.subnets[1]",
            "spec.subnets[1]: Duplicate value: map[string]interface {}{\"name\":\"v4\"}" },
        { "mtu too small", Network + "spec:\n  mtu: 60\n", "spec.mtu", "spec.mtu: Invalid value: 60: spec.mtu in body should be greater than or equal to 68" },
        { "mtu too large", Network + "spec:\n  mtu: 9001\n", "spec.mtu", "spec.mtu: Invalid value: 9001: spec.mtu in body should be less than or equal to 9000" },
        { "unknown provider type", Network + "spec:\n  providerType: gre\n", "spec.providerType",
            "spec.providerType: Unsupported value: \"gre\": supported values: \"vxlan\", \"vlan\", \"flat\"" },
        { "too many DNS servers", Network + "spec:\n  subnets:\n    - name: v4\n      cidr: 10.0.0.0/24\n      dnsNameservers: [1.1.1.1, 1.0.0.1, 8.8.8.8, 8.8.4.4, 9.9.9.9, 149.112.112.112]\n", "spec.subnets[0].dnsNameservers",
            "spec.subnets[0].dnsNameservers: Too many: 6: must have at most 5 items" },
        { "bad MAC", Port + "spec:\n  networkRef:\n    name: tenant\n  macAddress: fa:16:3e:00:00\n", "spec.macAddress",
            "spec.macAddress: Invalid value: \"fa:16:3e:00:00\": spec.macAddress in body should match '^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$'" },
        { "MAC with a trailing newline", Port + "spec:\n  networkRef:\n    name: tenant\n  macAddress: \"fa:16:3e:00:00:01\\n\"\n", "spec.macAddress",
            "spec.macAddress: Invalid value: \"fa:16:3e:00:00:01\\n\"" },
        { "missing networkRef", Port + "spec:\n  adminStateUp: true\n", "spec.networkRef", "spec.networkRef: Required value" },
        { "bad checksum", Image + ImageSource + "  checksum: ABC123\n", "spec.checksum",
            "spec.checksum: Invalid value: \"ABC123\": spec.checksum in body should match '^[a-f0-9]{64}$'" },
        { "bad image URL scheme", Image + "spec:\n  source:\n    url: ftp://example.com/a.qcow2\n", "spec.source.url",
            "spec.source.url: Invalid value: \"ftp://example.com/a.qcow2\": spec.source.url in body should match '^https?://[^\\s]+$'" },
        { "unknown disk format", Image + ImageSource + "  diskFormat: vmdk\n", "spec.diskFormat",
            "spec.diskFormat: Unsupported value: \"vmdk\": supported values: \"qcow2\", \"raw\", \"iso\"" },
        { "bad reason in a condition", Image + ImageSource + "status:\n  conditions:\n    - type: Ready\n      status: \"True\"\n      reason: not a reason\n      lastTransitionTime: \"2026-01-02T03:04:05Z\"\n", "status.conditions[0].reason",
            "status.conditions[0].reason: Invalid value: \"not a reason\": status.conditions[0].reason in body should match '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$'" },
        { "bad time in a condition", Image + ImageSource + "status:\n  conditions:\n    - type: Ready\n      status: \"True\"\n      reason: Ok\n      lastTransitionTime: yesterday\n", "status.conditions[0].lastTransitionTime",
            "status.conditions[0].lastTransitionTime: Invalid value: \"yesterday\": status.conditions[0].lastTransitionTime in body must be of type date-time: \"yesterday\"" },
        { "condition status as a boolean", Image + ImageSource + "status:\n  conditions:\n    - type: Ready\n      status: true\n      reason: Ok\n      lastTransitionTime: \"2026-01-02T03:04:05Z\"\n", "status.conditions[0].status",
            "status.conditions[0].status: Invalid value: \"boolean\": status.conditions[0].status in body must be of type string: \"boolean\"" },
        { "missing volume size", Volume + "spec:\n  multiattach: true\n", "spec.size", "spec.size: Required value" },
        { "negative ratio", Hypervisor + "spec:\n  cpuAllocationRatio: 0\n", "spec.cpuAllocationRatio",
            "spec.cpuAllocationRatio: Invalid value: 0: spec.cpuAllocationRatio in body should be greater than 0" },
        { "unknown server group policy", ServerGroup + "spec:\n  policy: spread\n", "spec.policy",
            "spec.policy: Unsupported value: \"spread\": supported values: \"affinity\", \"anti-affinity\", \"soft-affinity\", \"soft-anti-affinity\"" },
        { "negative quota", Quota + "spec:\n  hard:\n    servers: -1\n", "spec.hard.servers",
            "spec.hard.servers: Invalid value: -1: spec.hard.servers in body should be greater than or equal to 0" },
        { "spec as a list", Quota + "spec: []\n", "spec", "spec: Invalid value: \"array\": spec in body must be of type object: \"array\"" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_schema_refuses_the_manifest_naming_the_field(string name, string yaml, string path, string message)
    {
        var result = GeneratedCrds.ValidateOnCreate(yaml);

        Assert.False(result.IsValid, $"{name}: accepted");
        Assert.True(result.Errors.Any(e => e.Path == path), $"{name}: no error at {path}:\n{result}");
        Assert.True(result.Errors.Any(e => e.Path == path && e.ToString().StartsWith(message, StringComparison.Ordinal)),
            $"{name}: expected\n  {message}\ngot\n  {string.Join("\n  ", result.Errors)}");
    }
}
