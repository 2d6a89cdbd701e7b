using System.Text.Json.Serialization;
using k8s.Models;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;

namespace KubeCloud.Node.Agent;

/// <summary>
/// Every type the node daemon sends to or reads from the API server, as source-generated JSON metadata: the kinds it
/// watches and their lists, the statuses it applies (the apply and merge patch bodies are string-keyed dictionaries of
/// these), and the few built-in types the runtime uses for it (errors, delete options, events, leases, the console
/// endpoint's TokenReview and SubjectAccessReview, CHAP Secrets). <c>kubecloud-node</c> runs on this context alone
/// (<see cref="KubernetesJsonOptions.ReflectionSwitch"/> false in its runtimeconfig), so its NativeAOT build roots neither
/// KubernetesClient's ~900-model context nor reflection-based JSON (node-daemon/README.md, "Memory"). A type missing
/// here fails at run time with a <see cref="NotSupportedException"/> naming it; <c>NodeJsonContextTests</c> round-trips
/// each kind through the context alone.
/// </summary>
[JsonSerializable(typeof(Server))]
[JsonSerializable(typeof(KubeList<Server>))]
[JsonSerializable(typeof(Network))]
[JsonSerializable(typeof(KubeList<Network>))]
[JsonSerializable(typeof(Port))]
[JsonSerializable(typeof(KubeList<Port>))]
[JsonSerializable(typeof(Image))]
[JsonSerializable(typeof(KubeList<Image>))]
[JsonSerializable(typeof(Flavor))]
[JsonSerializable(typeof(KubeList<Flavor>))]
[JsonSerializable(typeof(Api.V1Alpha1.Hypervisor))]
[JsonSerializable(typeof(KubeList<Api.V1Alpha1.Hypervisor>))]
[JsonSerializable(typeof(Volume))]
[JsonSerializable(typeof(KubeList<Volume>))]
[JsonSerializable(typeof(ServerStatus))]
[JsonSerializable(typeof(PortStatus))]
[JsonSerializable(typeof(ImageStatus))]
[JsonSerializable(typeof(HypervisorStatus))]
[JsonSerializable(typeof(VolumeStatus))]
[JsonSerializable(typeof(Dictionary<string, object?>))]
[JsonSerializable(typeof(System.Text.Json.JsonElement))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(V1Status))]
[JsonSerializable(typeof(V1DeleteOptions))]
[JsonSerializable(typeof(V1Secret))]
[JsonSerializable(typeof(KubeList<V1Secret>))]
[JsonSerializable(typeof(Eventsv1Event))]
[JsonSerializable(typeof(V1Lease))]
[JsonSerializable(typeof(V1TokenReview))]
[JsonSerializable(typeof(V1SubjectAccessReview))]
public sealed partial class NodeJsonContext : JsonSerializerContext;
