using System.Buffers;
using k8s.Models;
using KubeCloud.ApiServer.Http;
using KubeCloud.ApiServer.Resources;
using KubeCloud.ApiServer.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace KubeCloud.ApiServer.Aggregation;

/// <summary>
/// The aggregator's proxy (kube-aggregator's proxyHandler): a request under <c>/apis/&lt;group&gt;/&lt;version&gt;</c> of a
/// remote APIService, already authenticated and authorized here, goes to one endpoint of the APIService's Service with the
/// front-proxy identity instead of the caller's credentials. The answer is streamed back as it arrives (each read is
/// flushed), and the caller going away cancels the backend request. Groups this server serves itself keep precedence.
/// </summary>
public sealed class ApiServiceProxy
{
    /// <summary>Headers that belong to one connection (RFC 9110 7.6.1), never forwarded.</summary>
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Host",
    };

    private readonly ObjectStore _store;
    private readonly ResourceRegistry _resources;
    private readonly ServiceEndpointResolver _resolver;
    private readonly BackendTransport _transport;

    public ApiServiceProxy(ObjectStore store, ResourceRegistry resources, ServiceEndpointResolver resolver, BackendTransport transport)
    {
        _store = store;
        _resources = resources;
        _resolver = resolver;
        _transport = transport;
    }

    /// <summary>The remote APIService that serves the request's group/version, or null (local, not registered, or not under /apis).</summary>
    public ApiServiceSpec? Find(RequestInfo info)
    {
        if (info.ApiPrefix != "apis" || info.Group.Length == 0 || info.Version.Length == 0 || _resources.IsServedGroupVersion(info.Group, info.Version))
        {
            return null;
        }

        var stored = _store.Get(ApiServiceSpec.Resource, "", ApiServiceSpec.NameOf(info.Group, info.Version));
        return stored is null || ApiServiceSpec.From(stored.Object) is not { IsLocal: false } apiService ? null : apiService;
    }

    public async Task ProxyAsync(ApiContext context, ApiServiceSpec apiService)
    {
        var http = context.Http;
        var endpoint = _resolver.Resolve(apiService.Service!);
        if (!endpoint.Resolved)
        {
            throw new ApiException(Unavailable(apiService, endpoint.Reason, endpoint.Message));
        }

        var target = new Uri(endpoint.BaseUri, http.Request.Path.Value + http.Request.QueryString.Value);
        using var request = new HttpRequestMessage(new HttpMethod(http.Request.Method), target) { Version = System.Net.HttpVersion.Version11 };
        if (http.Request.ContentLength > 0 || http.Request.Headers.TransferEncoding.Count > 0 || (http.Request.ContentLength is null && http.Request.Protocol == "HTTP/2" && http.Request.Method is "POST" or "PUT" or "PATCH"))
        {
            request.Content = new StreamContent(http.Request.Body);

            // A body of unknown length goes out chunked, after which RepeatedHeaderStream cannot find the next request's headers.
            request.Headers.ConnectionClose = http.Request.ContentLength is null;
        }

        foreach (var (name, values) in http.Request.Headers)
        {
            if (HopByHop.Contains(name) || FrontProxyHeaders.IsCallerIdentity(name) || name.StartsWith(':'))
            {
                continue;
            }

            if (!request.Headers.TryAddWithoutValidation(name, values.ToArray()))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, values.ToArray());
            }
        }

        // The name the backend's certificate is checked for, also sent as SNI.
        request.Headers.Host = $"{apiService.Service!.ServerName}:{endpoint.Port}";
        FrontProxyHeaders.Set(request.Headers, context.User);

        HttpResponseMessage response;
        try
        {
            response = await _transport.For(apiService).SendAsync(request, context.Aborted);
        }
        catch (HttpRequestException e)
        {
            throw new ApiException(Unavailable(apiService, ApiServiceAvailability.FailedDiscoveryCheck, $"failing or missing response from {target}: {Describe(e)}"));
        }
        catch (OperationCanceledException) when (!context.Aborted.IsCancellationRequested)
        {
            throw new ApiException(Unavailable(apiService, ApiServiceAvailability.FailedDiscoveryCheck, $"failing or missing response from {target}: no connection within {BackendTransport.ConnectTimeout.TotalSeconds:0} s"));
        }

        using (response)
        {
            http.Response.StatusCode = (int)response.StatusCode;
            foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
            {
                if (!HopByHop.Contains(name))
                {
                    http.Response.Headers[name] = values.ToArray();
                }
            }

            http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            await using var body = await response.Content.ReadAsStreamAsync(context.Aborted);
            var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
            try
            {
                await http.Response.StartAsync(context.Aborted);
                int read;
                while ((read = await body.ReadAsync(buffer, context.Aborted)) > 0)
                {
                    await http.Response.Body.WriteAsync(buffer.AsMemory(0, read), context.Aborted);
                    await http.Response.Body.FlushAsync(context.Aborted);
                }
            }
            catch (Exception e) when (e is IOException or HttpRequestException && !context.Aborted.IsCancellationRequested)
            {
                // The backend broke off mid-answer: so does the answer (no clean end), as kube's proxy does.
                http.Abort();
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>503 ServiceUnavailable naming the APIService; its cause carries the availability reason (ServiceNotFound, MissingEndpoints...).</summary>
    public static V1Status Unavailable(ApiServiceSpec apiService, string reason, string message) =>
        ApiException.Failure(503, "ServiceUnavailable", $"service unavailable: APIService \"{apiService.Name}\" is not available ({reason}): {message}", new V1StatusDetails
        {
            Name = apiService.Name,
            Group = ApiServiceSpec.Resource.Group,
            Kind = ApiServiceSpec.Resource.Resource,
            Causes = [new V1StatusCause { Reason = reason, Message = message }],
        });

    /// <summary>The innermost message of a connection failure ("Connection refused (127.0.0.1:8443)", a certificate refusal...).</summary>
    internal static string Describe(Exception e)
    {
        var messages = new List<string>();
        for (var inner = (Exception?)e; inner is not null; inner = inner.InnerException)
        {
            messages.Add(inner.Message);
        }

        return string.Join(": ", messages.Distinct());
    }
}
