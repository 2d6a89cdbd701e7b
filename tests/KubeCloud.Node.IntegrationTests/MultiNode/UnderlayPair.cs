using System.Net;
using System.Text.Json;
using KubeCloud.Node.Processes;

namespace KubeCloud.Node.IntegrationTests.MultiNode;

/// <summary>
/// The underlay of two nodes played on one machine: a network namespace each, joined by a veth pair, holding the
/// nodes' tunnel IPs (<c>198.19.253.1</c> and <c>.2</c>, inside the namespaces only). The node daemons get them as
/// <c>--tunnel-netns</c> and <c>--tunnel-ip</c>: their VXLAN sockets live here, so tunnel traffic is real UDP on the veth.
/// </summary>
public sealed class UnderlayPair : IAsyncDisposable
{
    private readonly ICommandRunner _run;

    private UnderlayPair(ICommandRunner run, string id)
    {
        _run = run;
        Namespaces = [$"kc-test-ul1-{id}", $"kc-test-ul2-{id}"];
        Devices = ["kcu1" + id, "kcu2" + id];
    }

    public IReadOnlyList<string> Namespaces { get; }

    /// <summary>The veth end in each namespace.</summary>
    public IReadOnlyList<string> Devices { get; }

    public IReadOnlyList<IPAddress> TunnelIps { get; } = [IPAddress.Parse("198.19.253.1"), IPAddress.Parse("198.19.253.2")];

    /// <param name="run">Runs ip.</param>
    /// <param name="id">Up to 6 characters that make the names unique (device names have 15 at most).</param>
    public static async Task<UnderlayPair> CreateAsync(ICommandRunner run, string id)
    {
        var pair = new UnderlayPair(run, id);
        try
        {
            foreach (var ns in pair.Namespaces)
            {
                await run.RunCheckedAsync("ip", "netns", "add", ns);
                await run.RunCheckedAsync("ip", "-n", ns, "link", "set", "lo", "up");
            }

            await run.RunCheckedAsync("ip", "link", "add", pair.Devices[0], "netns", pair.Namespaces[0], "type", "veth", "peer", "name", pair.Devices[1], "netns", pair.Namespaces[1]);
            for (var i = 0; i < 2; i++)
            {
                await run.RunCheckedAsync("ip", "-n", pair.Namespaces[i], "addr", "add", pair.TunnelIps[i] + "/30", "dev", pair.Devices[i]);
                await run.RunCheckedAsync("ip", "-n", pair.Namespaces[i], "link", "set", pair.Devices[i], "up");
            }

            return pair;
        }
        catch
        {
            await pair.DisposeAsync();
            throw;
        }
    }

    /// <summary>Packets received on node <paramref name="index"/>'s underlay veth.</summary>
    public async Task<long> ReceivedPacketsAsync(int index)
    {
        var json = (await _run.RunCheckedAsync("ip", "-n", Namespaces[index], "-j", "-s", "link", "show", "dev", Devices[index])).StandardOutput;
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement[0].GetProperty("stats64").GetProperty("rx").GetProperty("packets").GetInt64();
    }

    /// <summary>UDP sockets open in node <paramref name="index"/>'s namespace (the VXLAN devices' sockets are among them).</summary>
    public async Task<string> UdpSocketsAsync(int index) =>
        (await _run.RunCheckedAsync("ip", "netns", "exec", Namespaces[index], "ss", "-uanH")).StandardOutput;

    public async ValueTask DisposeAsync()
    {
        foreach (var ns in Namespaces)
        {
            await _run.RunAsync("ip", "netns", "del", ns);
        }
    }
}
