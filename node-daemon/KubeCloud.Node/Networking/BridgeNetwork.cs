using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using KubeCloud.Node.Processes;

namespace KubeCloud.Node.Networking;

/// <summary>A tenant network as one node wires it: a bridge, and for VXLAN a tunnel device with peers.</summary>
public sealed record NetworkPlan
{
    /// <summary>Stable id of the Network (e.g. its uid); device names derive from it.</summary>
    public required string NetworkId { get; init; }

    /// <summary>VXLAN network identifier; null for a node-local bridge only.</summary>
    public int? Vni { get; init; }

    /// <summary>This node's tunnel (underlay) address.</summary>
    public IPAddress? LocalTunnelIp { get; init; }

    /// <summary>Tunnel addresses of the other nodes that host ports on this network.</summary>
    public IReadOnlyList<IPAddress> Peers { get; init; } = [];

    /// <summary>The underlay device the VXLAN is bound to (optional).</summary>
    public string? UnderlayDevice { get; init; }

    /// <summary>
    /// The network namespace (an <c>ip netns</c> name) that holds <see cref="LocalTunnelIp"/>, when it is not this one:
    /// the VXLAN device is made here, beside the bridge (where libvirtd plugs the guests' taps), with its UDP socket in
    /// that namespace (<c>ip link add ... link-netns NS type vxlan</c>). Null: this namespace.
    /// </summary>
    public string? UnderlayNamespace { get; init; }

    /// <summary>The node's device prefix (<see cref="DeviceNames.DefaultPrefix"/> unless the node was given one).</summary>
    public string DevicePrefix { get; init; } = DeviceNames.DefaultPrefix;

    public int Mtu { get; init; } = 1450;

    public int VxlanPort { get; init; } = 4789;

    public string BridgeName => DeviceNames.Bridge(NetworkId, DevicePrefix);

    public string VxlanName => DeviceNames.Vxlan(NetworkId, DevicePrefix);
}

/// <summary>
/// Sets up and tears down a tenant network's bridge and VXLAN device with iproute2. Every step
/// checks the current state first, so it can run again at any time; a failed setup removes what
/// it made. Calls for one network are serialised (the node daemon's Server and Network reconcilers both wire a
/// network, and two check-then-add passes at once would both try <c>ip link add</c>); different networks go in parallel.
/// </summary>
public sealed class BridgeNetwork(ICommandRunner run)
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);

    public Task EnsureAsync(NetworkPlan plan, CancellationToken cancellationToken = default)
        => LockedAsync(plan, () => EnsureUnlockedAsync(plan, cancellationToken), cancellationToken);

    private async Task EnsureUnlockedAsync(NetworkPlan plan, CancellationToken cancellationToken)
    {
        var createdBridge = false;
        var createdVxlan = false;
        try
        {
            if (!await LinkExistsAsync(plan.BridgeName, cancellationToken))
            {
                await run.RunCheckedAsync("ip", ["link", "add", "name", plan.BridgeName, "type", "bridge", "stp_state", "0"], cancellationToken);
                createdBridge = true;
            }

            await run.RunCheckedAsync("ip", ["link", "set", "dev", plan.BridgeName, "mtu", Num(plan.Mtu), "up"], cancellationToken);
            if (plan.Vni is { } vni)
            {
                if (!await LinkExistsAsync(plan.VxlanName, cancellationToken))
                {
                    await AddVxlanAsync(plan, vni, cancellationToken);
                    createdVxlan = true;
                }

                await run.RunCheckedAsync("ip", ["link", "set", "dev", plan.VxlanName, "master", plan.BridgeName, "mtu", Num(plan.Mtu), "up"], cancellationToken);
                await SyncPeersUnlockedAsync(plan, cancellationToken);
            }
        }
        catch
        {
            if (createdVxlan)
            {
                await run.RunAsync("ip", ["link", "del", plan.VxlanName], CancellationToken.None);
            }

            if (createdBridge)
            {
                await run.RunAsync("ip", ["link", "del", plan.BridgeName], CancellationToken.None);
            }

            throw;
        }
    }

    /// <summary>
    /// Makes the VXLAN device. The kernel allows one device per VNI and UDP port in a namespace: when another device holds
    /// the VNI and its name has this node's device prefix without being this network's, it is a leftover of a network
    /// this node (or an earlier run with the same prefix) wired and never removed (a daemon or bench killed before its
    /// unwiring); it carries no guest (it would be this network's device then), so it is removed and the add tried
    /// again. A device of any other name is not the node's to remove: the error names it.
    /// </summary>
    private async Task AddVxlanAsync(NetworkPlan plan, int vni, CancellationToken cancellationToken)
    {
        var add = await run.RunAsync("ip", VxlanAddArguments(plan, vni), cancellationToken);
        if (add.Succeeded)
        {
            return;
        }

        if (!add.StandardError.Contains("VNI already exists", StringComparison.OrdinalIgnoreCase)
            || await VxlanHolderAsync(vni, plan.VxlanPort, cancellationToken) is not { } holder)
        {
            throw new CommandFailedException(add);
        }

        if (!holder.StartsWith(plan.DevicePrefix, StringComparison.Ordinal))
        {
            throw new CommandFailedException(add with
            {
                StandardError = $"{add.StandardError.TrimEnd()} (VNI {Num(vni)} port {Num(plan.VxlanPort)} is held by device {holder}, which is not this node's: remove it or give the network another VNI)",
            });
        }

        await run.RunCheckedAsync("ip", ["link", "del", holder], cancellationToken);
        await run.RunCheckedAsync("ip", VxlanAddArguments(plan, vni), cancellationToken);
    }

    /// <summary>The VXLAN device in this namespace with <paramref name="vni"/> on <paramref name="port"/>, or null.</summary>
    private async Task<string?> VxlanHolderAsync(int vni, int port, CancellationToken cancellationToken)
    {
        var list = await run.RunAsync("ip", ["-d", "-j", "link", "show", "type", "vxlan"], cancellationToken);
        if (!list.Succeeded || string.IsNullOrWhiteSpace(list.StandardOutput))
        {
            return null;
        }

        using var json = JsonDocument.Parse(list.StandardOutput);
        foreach (var link in json.RootElement.EnumerateArray())
        {
            if (link.TryGetProperty("linkinfo", out var info) && info.TryGetProperty("info_data", out var data)
                && data.TryGetProperty("id", out var id) && id.GetInt32() == vni
                && (!data.TryGetProperty("port", out var p) || p.GetInt32() == port)
                && link.TryGetProperty("ifname", out var name))
            {
                return name.GetString();
            }
        }

        return null;
    }

    /// <summary>The <c>ip</c> command line that makes the plan's VXLAN device (pure; unit-tested).</summary>
    public static IReadOnlyList<string> VxlanAddArguments(NetworkPlan plan, int vni)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.LocalTunnelIp is null)
        {
            throw new ArgumentException($"network {plan.NetworkId}: VXLAN {vni} needs the node's tunnel IP");
        }

        if (plan.UnderlayDevice is not null && plan.UnderlayNamespace is not null)
        {
            throw new ArgumentException($"network {plan.NetworkId}: an underlay device ({plan.UnderlayDevice}) cannot be named together with an underlay namespace ({plan.UnderlayNamespace}): ip resolves the device in this namespace, the route in that one picks it");
        }

        List<string> args = ["link", "add", plan.VxlanName];
        if (plan.UnderlayNamespace is not null)
        {
            args.AddRange(["link-netns", plan.UnderlayNamespace]);
        }

        args.AddRange(["type", "vxlan", "id", Num(vni), "local", plan.LocalTunnelIp.ToString(), "dstport", Num(plan.VxlanPort), "nolearning"]);
        if (plan.UnderlayDevice is not null)
        {
            args.AddRange(["dev", plan.UnderlayDevice]);
        }

        return args;
    }

    /// <summary>Makes the VXLAN flood list (all-zero MAC FDB entries) equal to the plan's peers.</summary>
    public Task SyncPeersAsync(NetworkPlan plan, CancellationToken cancellationToken = default)
        => LockedAsync(plan, () => SyncPeersUnlockedAsync(plan, cancellationToken), cancellationToken);

    private async Task SyncPeersUnlockedAsync(NetworkPlan plan, CancellationToken cancellationToken)
    {
        var current = await FloodPeersAsync(plan.VxlanName, cancellationToken);
        foreach (var peer in plan.Peers.Where(p => !current.Contains(p)))
        {
            await run.RunCheckedAsync("bridge", ["fdb", "append", "00:00:00:00:00:00", "dev", plan.VxlanName, "dst", peer.ToString()], cancellationToken);
        }

        foreach (var stale in current.Where(p => !plan.Peers.Contains(p)))
        {
            await run.RunCheckedAsync("bridge", ["fdb", "del", "00:00:00:00:00:00", "dev", plan.VxlanName, "dst", stale.ToString()], cancellationToken);
        }
    }

    public async Task<IReadOnlyList<IPAddress>> FloodPeersAsync(string vxlanDevice, CancellationToken cancellationToken = default)
    {
        var result = await run.RunCheckedAsync("bridge", ["-j", "fdb", "show", "dev", vxlanDevice], cancellationToken);
        var peers = new List<IPAddress>();
        using var doc = JsonDocument.Parse(string.IsNullOrWhiteSpace(result.StandardOutput) ? "[]" : result.StandardOutput);
        foreach (var entry in doc.RootElement.EnumerateArray())
        {
            if (entry.TryGetProperty("mac", out var mac) && mac.GetString() == "00:00:00:00:00:00" &&
                entry.TryGetProperty("dst", out var dst) && IPAddress.TryParse(dst.GetString(), out var ip))
            {
                peers.Add(ip);
            }
        }

        return peers;
    }

    /// <summary>Removes the VXLAN device and the bridge; absent devices are fine.</summary>
    public Task TeardownAsync(NetworkPlan plan, CancellationToken cancellationToken = default)
        => LockedAsync(plan, async () =>
        {
            foreach (var device in new[] { plan.VxlanName, plan.BridgeName })
            {
                if (await LinkExistsAsync(device, cancellationToken))
                {
                    await run.RunCheckedAsync("ip", ["link", "del", device], cancellationToken);
                }
            }
        }, cancellationToken);

    /// <summary>Runs <paramref name="action"/> alone among the calls for the plan's network (one gate per bridge, kept for the daemon's life: a few bytes per network).</summary>
    private async Task LockedAsync(NetworkPlan plan, Func<Task> action, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var gate = _gates.GetOrAdd(plan.BridgeName, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            await action();
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task<bool> LinkExistsAsync(string device, CancellationToken cancellationToken = default)
        => (await run.RunAsync("ip", ["link", "show", "dev", device], cancellationToken)).Succeeded;

    /// <summary>Checks that a bridge exists before a guest's NIC is plugged into it.</summary>
    public async Task RequireBridgeAsync(string bridge, CancellationToken cancellationToken = default)
    {
        var result = await run.RunAsync("ip", ["-d", "link", "show", "dev", bridge], cancellationToken);
        if (!result.Succeeded || !result.StandardOutput.Contains("bridge ", StringComparison.Ordinal))
        {
            throw new NetworkSetupException($"bridge {bridge} does not exist on this node: {result.StandardError.Trim()}");
        }
    }

    private static string Num(int value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>A network could not be set up as asked.</summary>
public sealed class NetworkSetupException : Exception
{
    public NetworkSetupException(string message) : base(message) { }

    /// <param name="message">What is missing, naming the field.</param>
    /// <param name="waiting">True when the cause is something another writer has yet to provide (the operator's VNI or
    /// DHCP address): the server waits for it instead of failing.</param>
    public NetworkSetupException(string message, bool waiting) : base(message) => Waiting = waiting;

    /// <summary>Whether this is a wait for another writer (not a failure).</summary>
    public bool Waiting { get; }

    public NetworkSetupException() { }

    public NetworkSetupException(string message, Exception inner) : base(message, inner) { }
}
