using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;

namespace KubeCloud.Operator.Tests.Fixtures;

/// <summary>Small builders for API objects: each sets names and uid, the rest through a configure action.</summary>
internal static class Build
{
    private static int _uid;

    public static string NewUid() => $"uid-{Interlocked.Increment(ref _uid)}";

    public static T Named<T>(T obj, string? ns, string name)
        where T : class, k8s.Models.IMetadata<k8s.Models.V1ObjectMeta>
    {
        obj.Metadata!.Name = name;
        obj.Metadata.NamespaceProperty = ns;
        obj.Metadata.Uid = NewUid();
        obj.Metadata.CreationTimestamp = DateTime.UnixEpoch.AddSeconds(_uid);
        return obj;
    }

    public static Subnet Subnet(string name, string cidr, string? gateway = null, params (string Start, string End)[] pools) => new()
    {
        Name = name,
        Cidr = cidr,
        GatewayIP = gateway,
        AllocationPools = pools.Length == 0 ? null : [.. pools.Select(p => new AllocationPool { Start = p.Start, End = p.End })],
    };

    public static Network Network(string ns, string name, params Subnet[] subnets) =>
        Named(new Network { Spec = new NetworkSpec { Subnets = [.. subnets] } }, ns, name);

    public static Network Network(string ns, string name, Action<NetworkSpec> configure, params Subnet[] subnets)
    {
        var network = Network(ns, name, subnets);
        configure(network.Spec);
        return network;
    }

    public static Port Port(string ns, string name, string network, string? networkNs = null, Action<Port>? configure = null)
    {
        var port = Named(new Port { Spec = new PortSpec { NetworkRef = new NamespacedObjectReference { Name = network, Namespace = networkNs } } }, ns, name);
        configure?.Invoke(port);
        return port;
    }

    /// <summary>A port whose status records the MAC and addresses, as the Port controller writes it.</summary>
    public static Port PortHolding(string ns, string name, string network, string mac, params (string Subnet, string Address)[] ips) =>
        Port(ns, name, network, configure: p => p.Status = new PortStatus
        {
            MacAddress = mac,
            FixedIPs = [.. ips.Select(ip => new AllocatedIP { Subnet = ip.Subnet, IPAddress = ip.Address })],
        });

    public static Flavor Flavor(string name, int vcpus = 1, string memory = "1Gi", string rootDisk = "10Gi", Action<FlavorSpec>? configure = null)
    {
        var flavor = Named(new Flavor { Spec = new FlavorSpec { Vcpus = vcpus, Memory = Quantity.Parse(memory), RootDisk = Quantity.Parse(rootDisk) } }, null, name);
        configure?.Invoke(flavor.Spec);
        return flavor;
    }

    public static Image Image(string ns, string name, Action<ImageSpec>? configure = null)
    {
        var image = Named(new Image { Spec = new ImageSpec { Source = new ImageSource { Url = "https://images.example/debian.qcow2" } } }, ns, name);
        configure?.Invoke(image.Spec);
        return image;
    }

    public static Volume Volume(string ns, string name, string size = "10Gi", Action<Volume>? configure = null)
    {
        var volume = Named(new Volume { Spec = new VolumeSpec { Size = Quantity.Parse(size) } }, ns, name);
        configure?.Invoke(volume);
        return volume;
    }

    /// <summary>A volume attached to the given servers.</summary>
    public static Volume VolumeAttachedTo(string ns, string name, bool multiattach, params string[] servers) =>
        Volume(ns, name, configure: v =>
        {
            v.Spec.Multiattach = multiattach;
            v.Status = new VolumeStatus
            {
                Phase = VolumePhase.InUse,
                Attachments = [.. servers.Select(s => new VolumeAttachment { Server = s, AttachedAt = DateTimeOffset.UnixEpoch })],
            };
        });

    public static Server Server(string ns, string name, string flavor = "m1.small", string? image = "debian", Action<ServerSpec>? configure = null)
    {
        var server = Named(new Server { Spec = new ServerSpec { FlavorRef = new LocalObjectReference { Name = flavor } } }, ns, name);
        if (image is not null)
        {
            server.Spec.ImageRef = new NamespacedObjectReference { Name = image };
        }

        configure?.Invoke(server.Spec);
        return server;
    }

    public static ProjectQuota QuotaOf(string ns, Action<QuotaAmounts> limits)
    {
        var quota = Named(new ProjectQuota(), ns, "quota");
        limits(quota.Spec.Hard);
        return quota;
    }

    public static ServerGroup Group(string ns, string name, ServerGroupPolicy policy = ServerGroupPolicy.AntiAffinity) =>
        Named(new ServerGroup { Spec = new ServerGroupSpec { Policy = policy } }, ns, name);

    /// <summary>A deep copy through JSON, for the old object of an update.</summary>
    public static T Copy<T>(T obj) => System.Text.Json.JsonSerializer.Deserialize<T>(System.Text.Json.JsonSerializer.Serialize(obj))!;
}
