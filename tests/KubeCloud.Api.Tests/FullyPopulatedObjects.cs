namespace KubeCloud.Api.Tests;

/// <summary>One object of each kind with every field set, as Kubernetes would store it.</summary>
internal static class FullyPopulatedObjects
{
    private const string Conditions = """
        "conditions": [
          { "type": "Ready", "status": "True", "observedGeneration": 3, "lastTransitionTime": "2026-01-02T03:04:05Z", "reason": "Available", "message": "all good" },
          { "type": "kubecloud.io/Scheduled", "status": "Unknown", "lastTransitionTime": "2026-01-02T03:04:00Z", "reason": "Pending" }
        ],
        "observedGeneration": 3
        """;

    public const string Flavor = """
        {
          "apiVersion": "kubecloud.io/v1alpha1", "kind": "Flavor",
          "metadata": { "name": "m1.small", "generation": 3, "labels": { "tier": "general" } },
          "spec": {
            "vcpus": 1, "memory": "2Gi", "rootDisk": "20Gi", "ephemeralDisk": "0", "swap": "512Mi",
            "extraSpecs": { "aggregate_instance_extra_specs:ssd": "true", "capabilities:cpu_info:vendor": "Intel" },
            "public": false, "projects": [ "demo", "team-a" ], "description": "small general purpose"
          },
          "status": { CONDITIONS }
        }
        """;

    public const string Image = """
        {
          "apiVersion": "kubecloud.io/v1alpha1", "kind": "Image",
          "metadata": { "name": "debian-12", "namespace": "demo", "generation": 1 },
          "spec": {
            "source": { "url": "https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-generic-amd64.qcow2" },
            "diskFormat": "qcow2",
            "checksum": "0f2bc4b7b0e9e1e2d5c0c4d6e3f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3",
            "visibility": "shared", "sharedWith": [ "team-a" ],
            "minDisk": "2Gi", "minMemory": "512Mi",
            "properties": { "architecture": "x86_64", "hypervisorType": "qemu", "firmware": "uefi", "osType": "linux", "osDistro": "debian" }
          },
          "status": {
            "phase": "Available", "size": 345678, "virtualSize": 2147483648,
            "checksum": "0f2bc4b7b0e9e1e2d5c0c4d6e3f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3",
            "nodes": [
              { "node": "node-1", "state": "Cached", "lastUsedTime": "2026-01-02T03:04:05Z" },
              { "node": "node-2", "state": "Error", "message": "checksum mismatch" }
            ],
            CONDITIONS
          }
        }
        """;

    public const string Network = """
        {
          "apiVersion": "kubecloud.io/v1alpha1", "kind": "Network",
          "metadata": { "name": "provider", "namespace": "demo" },
          "spec": {
            "subnets": [
              {
                "name": "v4", "cidr": "10.0.0.0/24", "gatewayIP": "10.0.0.1",
                "allocationPools": [ { "start": "10.0.0.10", "end": "10.0.0.200" } ],
                "dnsNameservers": [ "1.1.1.1", "9.9.9.9" ], "enableDHCP": true,
                "hostRoutes": [ { "destination": "192.168.0.0/16", "nexthop": "10.0.0.254" } ]
              }
            ],
            "mtu": 1500, "shared": true, "external": true, "providerType": "vlan",
            "physicalNetwork": "physnet1", "segmentationId": 100
          },
          "status": {
            "segmentationId": 100,
            "subnets": [ { "name": "v4", "usedIPs": 3, "totalIPs": 191 } ],
            "nodes": [ { "node": "node-1", "tunnelIP": "192.0.2.11" }, { "node": "node-2" } ],
            CONDITIONS
          }
        }
        """;

    public const string Port = """
        {
          "apiVersion": "kubecloud.io/v1alpha1", "kind": "Port",
          "metadata": { "name": "web-0", "namespace": "demo" },
          "spec": {
            "networkRef": { "name": "tenant", "namespace": "shared-nets" },
            "fixedIPs": [ { "subnet": "v4", "ipAddress": "10.0.0.20" } ],
            "macAddress": "fa:16:3e:00:00:01", "adminStateUp": false
          },
          "status": {
            "phase": "Active", "macAddress": "fa:16:3e:00:00:01",
            "fixedIPs": [ { "subnet": "v4", "ipAddress": "10.0.0.20" } ],
            "serverRef": { "name": "web" }, "node": "node-1", "interfaceName": "tap1a2b3c4d",
            CONDITIONS
          }
        }
        """;

    public const string Volume = """
        {
          "apiVersion": "kubecloud.io/v1alpha1", "kind": "Volume",
          "metadata": { "name": "data", "namespace": "demo" },
          "spec": {
            "size": "10Gi",
            "source": { "imageRef": { "name": "debian-12", "namespace": "images" }, "volumeRef": { "name": "golden" } },
            "volumeType": "ssd", "multiattach": true
          },
          "status": {
            "phase": "InUse", "capacity": "10Gi", "backendNode": "storage-1",
            "target": { "portal": "10.1.0.5:3260", "iqn": "iqn.2026-01.io.kubecloud:demo.data", "lun": 1, "chapSecretRef": { "name": "data-chap" } },
            "attachments": [ { "server": "web", "node": "node-1", "device": "vdb", "attachedAt": "2026-01-02T03:04:05Z" } ],
            CONDITIONS
          }
        }
        """;

    public const string Server = """
        {
          "apiVersion": "kubecloud.io/v1alpha1", "kind": "Server",
          "metadata": { "name": "web", "namespace": "demo", "generation": 3, "labels": { "app": "web" } },
          "spec": {
            "flavorRef": { "name": "m1.small" },
            "imageRef": { "name": "debian-12", "namespace": "images" },
            "bootVolumeRef": { "name": "boot" },
            "networks": [
              { "networkRef": { "name": "tenant", "namespace": "shared-nets" }, "fixedIP": "10.0.0.10" },
              { "portRef": { "name": "web-0" } }
            ],
            "volumes": [ { "volumeRef": { "name": "data" }, "device": "vdb" } ],
            "sshKeys": [ "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB example" ],
            "userData": "#cloud-config\npackages: [nginx]\n",
            "userDataSecretRef": { "name": "web-userdata", "key": "user-data" },
            "metadata": { "role": "frontend" },
            "powerState": "Paused",
            "availabilityZone": "zone-a",
            "schedulerHints": {
              "serverGroup": "web-group", "sameHost": [ "db" ], "differentHost": [ "web-2" ],
              "query": "[\">=\",\"$free_ram_mb\",1024]", "buildNearHostIP": "10.1.0.7", "cidr": 24
            },
            "forceNode": "node-1",
            "hostname": "web-1"
          },
          "status": {
            "phase": "Active", "taskState": "block-device-mapping", "powerState": "Running",
            "node": "node-1", "hypervisorType": "kvm",
            "flavor": { "name": "m1.small", "vcpus": 1, "memory": "2Gi", "rootDisk": "20Gi", "ephemeralDisk": "0", "swap": "0" },
            "addresses": [ { "network": "tenant", "ipAddress": "10.0.0.10", "macAddress": "fa:16:3e:00:00:02", "port": "web-tenant" } ],
            "fault": { "code": 500, "message": "No valid host was found.", "time": "2026-01-02T03:04:05Z", "details": "RamFilter removed 3 of 3 hosts" },
            "schedulingAttempts": 2, "triedNodes": [ "node-2" ],
            "launchedAt": "2026-01-02T03:04:05Z", "observedRebootRequest": "2026-01-02T03:00:00Z",
            "resize": { "sourceNode": "node-1", "oldFlavor": { "name": "m1.tiny", "vcpus": 1, "memory": "512Mi", "rootDisk": "1Gi", "ephemeralDisk": "0", "swap": "0" } },
            CONDITIONS
          }
        }
        """;

    public const string ServerGroup = """
        {
          "apiVersion": "kubecloud.io/v1alpha1", "kind": "ServerGroup",
          "metadata": { "name": "web-group", "namespace": "demo" },
          "spec": { "policy": "soft-anti-affinity", "rules": { "maxServerPerHost": 2 } },
          "status": { "members": [ "web", "web-2" ], CONDITIONS }
        }
        """;

    public const string Hypervisor = """
        {
          "apiVersion": "kubecloud.io/v1alpha1", "kind": "Hypervisor",
          "metadata": { "name": "node-1" },
          "spec": {
            "disabled": true, "disabledReason": "maintenance",
            "cpuAllocationRatio": 4.5, "ramAllocationRatio": 1.5, "diskAllocationRatio": 1,
            "reservedMemory": "512Mi", "reservedDisk": "10Gi", "reservedVcpus": 1,
            "storageDisabled": true, "maxInstances": 50, "maxIoOps": 8
          },
          "status": {
            "hypervisorType": "qemu", "hypervisorVersion": "9.2.0",
            "cpu": { "model": "EPYC-Rome", "vendor": "AMD", "architecture": "aarch64", "features": [ "avx2", "sse4_2" ], "sockets": 1, "cores": 8, "threads": 2 },
            "capacity": { "vcpus": 16, "memory": "64Gi", "disk": "500Gi" },
            "allocated": { "vcpus": 4, "memory": "8Gi", "disk": "80Gi" },
            "storage": { "backendName": "lvm-thin", "totalCapacity": "2Ti", "freeCapacity": "1500Gi", "thinProvisioning": true, "maxOverSubscriptionRatio": 10.5, "reservedPercentage": 5, "volumeTypes": [ "ssd", "standard" ] },
            "instances": 3, "ioOps": 1, "tunnelIP": "10.1.0.7", "lastHeartbeatTime": "2026-01-02T03:04:05Z",
            CONDITIONS
          }
        }
        """;

    public const string ProjectQuota = """
        {
          "apiVersion": "kubecloud.io/v1alpha1", "kind": "ProjectQuota",
          "metadata": { "name": "quota", "namespace": "demo" },
          "spec": {
            "hard": {
              "servers": 10, "vcpus": 20, "memory": "50Gi", "volumes": 10, "volumeStorage": "1Ti",
              "networks": 5, "ports": 50, "serverGroups": 10, "serverGroupMembers": 10
            }
          },
          "status": {
            "used": {
              "servers": 1, "vcpus": 1, "memory": "2Gi", "volumes": 1, "volumeStorage": "10Gi",
              "networks": 1, "ports": 1, "serverGroups": 1, "serverGroupMembers": 1
            },
            CONDITIONS
          }
        }
        """;

    /// <summary>The JSON of a kind's fully populated object.</summary>
    public static string For(string kind) => (kind switch
    {
        nameof(Flavor) => Flavor,
        nameof(Image) => Image,
        nameof(Network) => Network,
        nameof(Port) => Port,
        nameof(Volume) => Volume,
        nameof(Server) => Server,
        nameof(ServerGroup) => ServerGroup,
        nameof(Hypervisor) => Hypervisor,
        nameof(ProjectQuota) => ProjectQuota,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "no fixture"),
    }).Replace("CONDITIONS", Conditions, StringComparison.Ordinal);
}
