using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Resources;
using KubeCloud.ApiServer.Storage;

namespace KubeCloud.ApiServer.Aggregation;

/// <summary>
/// Resolves an APIService's Service to one ready endpoint from the stored EndpointSlices (label
/// <c>kubernetes.io/service-name</c>), else the Endpoints object of the same name, as kube-apiserver does with
/// <c>--enable-aggregator-routing=true</c> (there is no kube-proxy or cluster IP here). Failures carry the reasons and
/// messages of kube's APIService availability controller.
/// </summary>
public sealed class ServiceEndpointResolver
{
    public const string ServiceNotFound = "ServiceNotFound";
    public const string ServicePortError = "ServicePortError";
    public const string EndpointsNotFound = "EndpointsNotFound";
    public const string MissingEndpoints = "MissingEndpoints";

    private const string ServiceNameLabel = "kubernetes.io/service-name";
    private static readonly GroupResource Services = new("", "services");
    private static readonly GroupResource Endpoints = new("", "endpoints");
    private static readonly GroupResource EndpointSlices = new("discovery.k8s.io", "endpointslices");

    private readonly ObjectStore _store;

    public ServiceEndpointResolver(ObjectStore store)
    {
        _store = store;
    }

    /// <summary>Whether a change of this resource can change a resolution.</summary>
    public static bool Affects(GroupResource resource) => resource == Services || resource == Endpoints || resource == EndpointSlices;

    public EndpointResolution Resolve(ServiceReference service)
    {
        var stored = _store.Get(Services, service.Namespace, service.Name);
        if (stored is null)
        {
            return EndpointResolution.Failed(ServiceNotFound, $"service/{service.Name} in \"{service.Namespace}\" is not present");
        }

        var servicePort = (stored.Object["spec"]?["ports"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .FirstOrDefault(p => p["port"] is JsonValue v && v.TryGetValue<int>(out var port) && port == service.Port);
        if (servicePort is null)
        {
            return EndpointResolution.Failed(ServicePortError, $"service/{service.Name} in \"{service.Namespace}\" is not listening on port {service.Port}");
        }

        var portName = (string?)servicePort["name"] ?? "";
        var slices = _store.List(EndpointSlices, service.Namespace).Items
            .Where(s => (string?)s.Object["metadata"]?["labels"]?[ServiceNameLabel] == service.Name)
            .ToList();
        var candidates = slices.Count > 0 ? FromSlices(slices, portName) : FromEndpoints(service, portName);
        if (candidates is null)
        {
            return EndpointResolution.Failed(EndpointsNotFound, $"cannot find endpointslices for service/{service.Name} in \"{service.Namespace}\"");
        }

        if (candidates.Count == 0)
        {
            return EndpointResolution.Failed(MissingEndpoints, $"{(slices.Count > 0 ? "endpointslices" : "endpoints")} for service/{service.Name} in \"{service.Namespace}\" have no addresses with port name \"{portName}\"");
        }

        return EndpointResolution.At(candidates[Random.Shared.Next(candidates.Count)]);
    }

    private static List<(string Address, int Port)> FromSlices(List<StoredObject> slices, string portName)
    {
        var found = new List<(string, int)>();
        foreach (var slice in slices)
        {
            var port = PortNamed(slice.Object["ports"] as JsonArray, portName);
            if (port is null)
            {
                continue;
            }

            foreach (var endpoint in (slice.Object["endpoints"] as JsonArray ?? []).OfType<JsonObject>())
            {
                // kube counts an endpoint as ready unless its conditions say ready: false.
                if (endpoint["conditions"]?["ready"] is JsonValue ready && ready.TryGetValue<bool>(out var isReady) && !isReady)
                {
                    continue;
                }

                if ((endpoint["addresses"] as JsonArray)?.FirstOrDefault() is JsonValue address && address.TryGetValue<string>(out var ip))
                {
                    found.Add((ip, port.Value));
                }
            }
        }

        return found;
    }

    private List<(string Address, int Port)>? FromEndpoints(ServiceReference service, string portName)
    {
        var endpoints = _store.Get(Endpoints, service.Namespace, service.Name);
        if (endpoints is null)
        {
            return null;
        }

        var found = new List<(string, int)>();
        foreach (var subset in (endpoints.Object["subsets"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (PortNamed(subset["ports"] as JsonArray, portName) is not { } port)
            {
                continue;
            }

            foreach (var address in (subset["addresses"] as JsonArray ?? []).OfType<JsonObject>())
            {
                if ((string?)address["ip"] is { Length: > 0 } ip)
                {
                    found.Add((ip, port));
                }
            }
        }

        return found;
    }

    private static int? PortNamed(JsonArray? ports, string name)
    {
        var match = (ports ?? []).OfType<JsonObject>().FirstOrDefault(p => ((string?)p["name"] ?? "") == name && ((string?)p["protocol"] ?? "TCP") == "TCP");
        return match?["port"] is JsonValue v && v.TryGetValue<int>(out var port) ? port : null;
    }
}

/// <summary>Where a Service's traffic goes (an address and port), or why it cannot go anywhere (kube's reason and message).</summary>
public sealed record EndpointResolution(string? Address, int Port, string Reason, string Message)
{
    public bool Resolved => Address is not null;

    public static EndpointResolution At((string Address, int Port) endpoint) => new(endpoint.Address, endpoint.Port, "", "");

    public static EndpointResolution Failed(string reason, string message) => new(null, 0, reason, message);

    /// <summary>https://address:port, with IPv6 addresses bracketed.</summary>
    public Uri BaseUri => new($"https://{(Address!.Contains(':', StringComparison.Ordinal) ? $"[{Address}]" : Address)}:{Port}");
}
