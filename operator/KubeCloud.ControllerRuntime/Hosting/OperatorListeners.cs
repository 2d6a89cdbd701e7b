using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Matching;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace KubeCloud.ControllerRuntime.Hosting;

/// <summary>
/// Separate listeners in one Kestrel server, as controller-runtime has them (<c>--metrics-bind-address</c>,
/// <c>--health-probe-bind-address</c>, the webhook port): a listener is named with <see cref="Named"/>, an endpoint
/// is tied to a listener with <see cref="OnListener"/>, and is then not found (404) on any other named listener.
/// Unnamed listeners (<c>UseUrls</c>) serve every endpoint, so a single-port host keeps working.
/// </summary>
public static class OperatorListeners
{
    /// <summary>The listener of <c>/metrics</c>.</summary>
    public const string Metrics = "metrics";

    /// <summary>The listener of <c>/healthz</c> and <c>/readyz</c>.</summary>
    public const string Health = "health";

    private const string ItemKey = "kubecloud.io/listener";

    /// <summary>Names the connections this listener accepts: it serves the endpoints tied to any of <paramref name="names"/>.</summary>
    public static ListenOptions Named(this ListenOptions listen, params string[] names)
    {
        ArgumentNullException.ThrowIfNull(listen);
        listen.Use(next => connection =>
        {
            connection.Items[ItemKey] = names;
            return next(connection);
        });
        return listen;
    }

    /// <summary>Serves the endpoint on the listener <paramref name="name"/> only (and on unnamed ones).</summary>
    public static TBuilder OnListener<TBuilder>(this TBuilder builder, string name)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Add(endpoint => endpoint.Metadata.Add(new ListenerMetadata(name)));
        return builder;
    }

    /// <summary>
    /// A controller-runtime bind address: <c>:8080</c> (every address), <c>127.0.0.1:8080</c>, <c>[::1]:8080</c>,
    /// <c>localhost:8080</c>; null for <c>0</c> (disabled). Throws <see cref="FormatException"/> naming the flag.
    /// </summary>
    public static IPEndPoint? ParseBindAddress(string flag, string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address == "0")
        {
            return null;
        }

        var colon = address.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(address.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            throw new FormatException($"{flag} {address}: not a bind address (host:port, :port, or 0 to disable)");
        }

        var host = address[..colon].Trim('[', ']');
        var ip = host.Length == 0 ? IPAddress.Any
            : host == "localhost" ? IPAddress.Loopback
            : IPAddress.TryParse(host, out var parsed) ? parsed
            : throw new FormatException($"{flag} {address}: {host} is not an IP address or localhost");
        return new IPEndPoint(ip, port);
    }

    /// <summary>The listener name on an endpoint.</summary>
    internal sealed record ListenerMetadata(string Name);

    /// <summary>Drops candidate endpoints tied to another listener than the connection's.</summary>
    internal sealed class ListenerMatcherPolicy : MatcherPolicy, IEndpointSelectorPolicy
    {
        public override int Order => 0;

        public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints) =>
            endpoints.Any(e => e.Metadata.GetMetadata<ListenerMetadata>() is not null);

        public Task ApplyAsync(HttpContext httpContext, CandidateSet candidates)
        {
            var listener = httpContext.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(ItemKey, out var names) == true ? names as string[] : null;
            if (listener is null)
            {
                return Task.CompletedTask;
            }

            for (var i = 0; i < candidates.Count; i++)
            {
                if (candidates[i].Endpoint.Metadata.GetMetadata<ListenerMetadata>() is { } wanted && !listener.Contains(wanted.Name))
                {
                    candidates.SetValidity(i, false);
                }
            }

            return Task.CompletedTask;
        }
    }
}
