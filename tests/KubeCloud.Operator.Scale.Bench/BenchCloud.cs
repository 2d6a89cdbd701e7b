using k8s.Models;
using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;

namespace KubeCloud.Operator.Scale.Bench;

/// <summary>
/// What the servers of a run refer to: a project namespace, one tiny public flavor, one public image (its source
/// answered by <see cref="ImageFileServer"/>) and the Hypervisors, each sized to hold its share of the servers.
/// Idempotent, so a second wave can reuse it.
/// </summary>
public sealed class BenchCloud
{
    public const string FlavorName = "bench.tiny";
    public const string ImageName = "bench-cirros";

    private BenchCloud(string @namespace, IReadOnlyList<string> hypervisors)
    {
        Namespace = @namespace;
        Hypervisors = hypervisors;
    }

    /// <summary>The project the servers are created in.</summary>
    public string Namespace { get; }

    /// <summary>The Hypervisor names (<c>hv-000</c>...): their node daemons are played by <see cref="NodeSimulator"/>.</summary>
    public IReadOnlyList<string> Hypervisors { get; }

    /// <summary>
    /// Creates (or finds) the namespace, flavor, image and <paramref name="hypervisors"/> Hypervisors, each allowing
    /// <paramref name="serversPerHypervisor"/> instances (the scheduler's default is 50).
    /// </summary>
    public static async Task<BenchCloud> CreateAsync(IKubeClient client, string @namespace, int hypervisors, int serversPerHypervisor, Uri imageUrl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(imageUrl);
        await CreateOrKeepAsync(client, new V1Namespace { Metadata = new V1ObjectMeta { Name = @namespace } }, cancellationToken);
        await CreateOrKeepAsync(client, new Flavor
        {
            Metadata = new V1ObjectMeta { Name = FlavorName },
            Spec = new FlavorSpec { Vcpus = 1, Memory = Quantity.Parse("512Mi"), RootDisk = Quantity.Parse("1Gi"), Public = true, Description = "scale bench" },
        }, cancellationToken);
        await CreateOrKeepAsync(client, new Image
        {
            Metadata = new V1ObjectMeta { Name = ImageName, NamespaceProperty = @namespace },
            Spec = new ImageSpec { Source = new ImageSource { Url = imageUrl.ToString() }, Checksum = ImageFileServer.Sha256, DiskFormat = DiskFormat.Qcow2, Visibility = ImageVisibility.Public },
        }, cancellationToken);
        var names = Enumerable.Range(0, hypervisors).Select(HypervisorName).ToList();
        await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (name, ct) =>
            await CreateOrKeepAsync(client, new Hypervisor
            {
                Metadata = new V1ObjectMeta { Name = name },
                Spec = new HypervisorSpec { MaxInstances = serversPerHypervisor, CpuAllocationRatio = 16, RamAllocationRatio = 1.5 },
            }, ct));
        return new BenchCloud(@namespace, names);
    }

    public static string HypervisorName(int index) => $"hv-{index:D3}";

    /// <summary>A server of the run: the tiny flavor, the bench image, no network (ports are the Port controller's figure, not this one's).</summary>
    public Server NewServer(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Namespace, Labels = new Dictionary<string, string>() { ["app"] = "scale-bench" } },
        Spec = new ServerSpec
        {
            FlavorRef = new LocalObjectReference { Name = FlavorName },
            ImageRef = new NamespacedObjectReference { Name = ImageName },
            SshKeys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG0n0ExampleKeyMaterialForBenchmarks bench@kubecloud"],
        },
    };

    private static async Task CreateOrKeepAsync<T>(IKubeClient client, T obj, CancellationToken cancellationToken)
        where T : class, k8s.IKubernetesObject<V1ObjectMeta>
    {
        try
        {
            await client.CreateAsync(obj, cancellationToken: cancellationToken);
        }
        catch (AlreadyExistsException)
        {
        }
    }
}
