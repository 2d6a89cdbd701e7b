using System.Net;
using System.Text;
using k8s.Models;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.Operator.Webhook;

namespace KubeCloud.Operator.Subresources;

/// <summary>
/// Registers the console API with the API server for an operator that listens at a known address outside any pod (the
/// local mode, tests): the chart's APIService <c>v1alpha1.subresources.kubecloud.io</c> with the webhook Service, a
/// Service without selector, and an EndpointSlice naming the address by hand (no pod backs it, so no controller writes
/// one), as <c>--enable-aggregator-routing</c> resolves it. Applied server-side, so a restart on another port moves it.
/// </summary>
public static class ConsoleApiService
{
    public const string PortName = "https";
    private const string FieldManager = "kubecloud-operator";

    public static async Task ApplyAsync(IKubeClient client, IPEndPoint listener, string caPem, string @namespace, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(listener);
        var options = new PatchOptions { FieldManager = FieldManager, Force = true };
        var (service, slice, apiService) = Objects(listener, caPem, @namespace);
        await client.PatchAsync<V1Service>(service.Metadata.Name, @namespace, KubePatch.Apply(service), options, cancellationToken);
        await client.PatchAsync<V1EndpointSlice>(slice.Metadata.Name, @namespace, KubePatch.Apply(slice), options, cancellationToken);
        await client.PatchAsync<V1APIService>(apiService.Metadata.Name, null, KubePatch.Apply(apiService), options, cancellationToken);
    }

    public static (V1Service Service, V1EndpointSlice Slice, V1APIService ApiService) Objects(IPEndPoint listener, string caPem, string @namespace)
    {
        ArgumentNullException.ThrowIfNull(listener);
        ArgumentException.ThrowIfNullOrEmpty(caPem);
        var service = new V1Service
        {
            ApiVersion = "v1",
            Kind = "Service",
            Metadata = new V1ObjectMeta { Name = KubeCloudWebhook.ServiceName, NamespaceProperty = @namespace },
            Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Name = PortName, Port = 443, TargetPort = listener.Port, Protocol = "TCP" }] },
        };
        var slice = new V1EndpointSlice
        {
            ApiVersion = "discovery.k8s.io/v1",
            Kind = "EndpointSlice",
            Metadata = new V1ObjectMeta
            {
                Name = KubeCloudWebhook.ServiceName + "-local",
                NamespaceProperty = @namespace,
                Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = KubeCloudWebhook.ServiceName, ["endpointslice.kubernetes.io/managed-by"] = FieldManager },
            },
            AddressType = listener.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4",
            Endpoints = [new V1Endpoint { Addresses = [listener.Address.ToString()], Conditions = new V1EndpointConditions { Ready = true } }],
            Ports = [new Discoveryv1EndpointPort { Name = PortName, Port = listener.Port, Protocol = "TCP" }],
        };
        var apiService = new V1APIService
        {
            ApiVersion = "apiregistration.k8s.io/v1",
            Kind = "APIService",
            Metadata = new V1ObjectMeta { Name = ServerConsoleEndpoint.ApiServiceName },
            Spec = new V1APIServiceSpec
            {
                Group = ApiGroup.SubresourcesGroup,
                Version = ServerConsoleEndpoint.Version,
                GroupPriorityMinimum = 1000,
                VersionPriority = 15,
                Service = new Apiregistrationv1ServiceReference { NamespaceProperty = @namespace, Name = KubeCloudWebhook.ServiceName, Port = 443 },
                CaBundle = Encoding.ASCII.GetBytes(caPem),
            },
        };
        return (service, slice, apiService);
    }
}
