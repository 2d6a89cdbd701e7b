using System.Globalization;
using System.Net;
using KubeCloud.Node.Processes;

namespace KubeCloud.Node.Networking;

/// <summary>A fixed DHCP assignment: this MAC gets this address.</summary>
public sealed record DhcpHost(string MacAddress, IPAddress Address, string? Hostname = null);

/// <summary>A static route handed out by DHCP (option 121, classless static routes).</summary>
public sealed record DhcpRoute(IPNetwork Destination, IPAddress NextHop);

/// <summary>DHCP for one network on one node: only the ports bound to this node.</summary>
public sealed record DhcpPlan
{
    public required string NetworkId { get; init; }

    /// <summary>The subnet, e.g. 10.0.0.0/24.</summary>
    public required IPNetwork Subnet { get; init; }

    /// <summary>This node's DHCP server address inside the subnet (lives in the DHCP namespace, not on the host).</summary>
    public required IPAddress ServerAddress { get; init; }

    /// <summary>The MAC of the DHCP server's interface (its DHCP port's), given to the veth in the namespace when it is made; null lets the kernel pick one.</summary>
    public string? ServerMacAddress { get; init; }

    public IPAddress? Gateway { get; init; }

    public IReadOnlyList<IPAddress> DnsServers { get; init; } = [];

    public int Mtu { get; init; } = 1450;

    public IReadOnlyList<DhcpHost> Hosts { get; init; } = [];

    /// <summary>Extra routes (the subnet's host routes); with any, the default route via the gateway is sent in the same option, as RFC 3442 asks.</summary>
    public IReadOnlyList<DhcpRoute> Routes { get; init; } = [];

    public TimeSpan LeaseTime { get; init; } = TimeSpan.FromHours(12);

    /// <summary>The node's device prefix, as its <see cref="NetworkPlan.DevicePrefix"/>.</summary>
    public string DevicePrefix { get; init; } = DeviceNames.DefaultPrefix;

    public string BridgeName => DeviceNames.Bridge(NetworkId, DevicePrefix);

    public string Namespace => DeviceNames.DhcpNamespace(NetworkId, DevicePrefix);

    public string VethBridgeSide => DeviceNames.DhcpVethBridgeSide(NetworkId, DevicePrefix);

    public string VethNamespaceSide => DeviceNames.DhcpVethNamespaceSide(NetworkId, DevicePrefix);
}

/// <summary>
/// One dnsmasq per network per node, as Neutron's DHCP agent runs it: in its own network namespace,
/// joined to the network's bridge by a veth pair, so the host itself has no address in the tenant
/// subnet. DHCP only (<c>--port=0</c>), static assignments only, its own pid and lease files.
/// </summary>
public sealed class DnsmasqServer(ICommandRunner run, string stateRoot)
{
    public string StateDirectory(DhcpPlan plan) => StateDirectory(plan?.NetworkId ?? throw new ArgumentNullException(nameof(plan)));

    /// <summary>The directory of a network's dnsmasq: its pid file, lease file, log and arguments.</summary>
    public string StateDirectory(string networkId) => Path.Combine(stateRoot, "dhcp", networkId);

    /// <summary>dnsmasq's command line for a plan (pure; unit-tested).</summary>
    public static IReadOnlyList<string> Arguments(DhcpPlan plan, string stateDirectory)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var mask = Mask(plan.Subnet.PrefixLength);
        var args = new List<string>
        {
            "--conf-file=/dev/null",
            "--port=0",
            "--no-resolv",
            "--no-hosts",
            "--bind-interfaces",
            $"--interface={plan.VethNamespaceSide}",
            "--except-interface=lo",
            "--user=root",
            "--dhcp-authoritative",
            $"--pid-file={Path.Combine(stateDirectory, "dnsmasq.pid")}",
            $"--dhcp-leasefile={Path.Combine(stateDirectory, "leases")}",
            $"--log-facility={Path.Combine(stateDirectory, "dnsmasq.log")}",
            "--log-dhcp",
            $"--dhcp-range={plan.Subnet.BaseAddress},static,{mask},{(int)plan.LeaseTime.TotalSeconds}s",
            $"--dhcp-option=option:mtu,{plan.Mtu}",
        };
        args.Add(plan.Gateway is null ? "--dhcp-option=option:router" : $"--dhcp-option=option:router,{plan.Gateway}");
        if (plan.DnsServers.Count > 0)
        {
            args.Add("--dhcp-option=option:dns-server," + string.Join(',', plan.DnsServers));
        }

        if (plan.Routes.Count > 0)
        {
            var routes = plan.Routes.Select(r => $"{r.Destination},{r.NextHop}").ToList();
            if (plan.Gateway is not null && !plan.Routes.Any(r => r.Destination.PrefixLength == 0))
            {
                routes.Add($"0.0.0.0/0,{plan.Gateway}");
            }

            args.Add("--dhcp-option=option:classless-static-route," + string.Join(',', routes));
        }

        foreach (var host in plan.Hosts.OrderBy(h => h.MacAddress.ToLowerInvariant(), StringComparer.Ordinal))
        {
            if (!plan.Subnet.Contains(host.Address))
            {
                throw new ArgumentException($"DHCP host {host.MacAddress}: {host.Address} is outside subnet {plan.Subnet}");
            }

            args.Add(host.Hostname is null
                ? $"--dhcp-host={host.MacAddress.ToLowerInvariant()},{host.Address}"
                : $"--dhcp-host={host.MacAddress.ToLowerInvariant()},{host.Address},{host.Hostname}");
        }

        return args;
    }

    /// <summary>Creates the namespace and veth, and (re)starts dnsmasq when its arguments changed.</summary>
    public async Task EnsureAsync(DhcpPlan plan, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var state = StateDirectory(plan);
        Directory.CreateDirectory(state);
        var args = Arguments(plan, state);
        var argsFile = Path.Combine(state, "args");
        var createdNamespace = false;
        try
        {
            if (!(await run.RunAsync("ip", ["link", "show", "dev", plan.BridgeName], cancellationToken)).Succeeded)
            {
                throw new NetworkSetupException($"DHCP for network {plan.NetworkId}: bridge {plan.BridgeName} does not exist");
            }

            if (!(await run.RunAsync("ip", ["netns", "exec", plan.Namespace, "true"], cancellationToken)).Succeeded)
            {
                await run.RunCheckedAsync("ip", ["netns", "add", plan.Namespace], cancellationToken);
                createdNamespace = true;
            }

            if (!(await run.RunAsync("ip", ["link", "show", "dev", plan.VethBridgeSide], cancellationToken)).Succeeded)
            {
                string[] address = plan.ServerMacAddress is { } mac ? ["address", mac.ToLowerInvariant()] : [];
                await run.RunCheckedAsync("ip", ["link", "add", plan.VethBridgeSide, "mtu", Num(plan.Mtu), "type", "veth", "peer", "name", plan.VethNamespaceSide, .. address, "mtu", Num(plan.Mtu), "netns", plan.Namespace], cancellationToken);
            }

            await run.RunCheckedAsync("ip", ["link", "set", "dev", plan.VethBridgeSide, "master", plan.BridgeName, "up"], cancellationToken);
            var cidr = $"{plan.ServerAddress}/{plan.Subnet.PrefixLength}";
            var addresses = await run.RunCheckedAsync("ip", ["-n", plan.Namespace, "-o", "addr", "show", "dev", plan.VethNamespaceSide], cancellationToken);
            if (!addresses.StandardOutput.Contains($" {cidr} ", StringComparison.Ordinal))
            {
                await run.RunCheckedAsync("ip", ["-n", plan.Namespace, "addr", "add", cidr, "dev", plan.VethNamespaceSide], cancellationToken);
            }

            await run.RunCheckedAsync("ip", ["-n", plan.Namespace, "link", "set", "dev", plan.VethNamespaceSide, "up"], cancellationToken);
            await run.RunCheckedAsync("ip", ["-n", plan.Namespace, "link", "set", "dev", "lo", "up"], cancellationToken);

            var joined = string.Join('\n', args);
            if (RunningPid(plan) is not null && File.Exists(argsFile) && await File.ReadAllTextAsync(argsFile, cancellationToken) == joined)
            {
                return;
            }

            await StopAsync(plan);
            await run.RunCheckedAsync("ip", ["netns", "exec", plan.Namespace, "dnsmasq", .. args], cancellationToken);
            await File.WriteAllTextAsync(argsFile, joined, cancellationToken);
        }
        catch
        {
            await StopAsync(plan);
            if (createdNamespace)
            {
                await TeardownAsync(plan, CancellationToken.None);
            }

            throw;
        }
    }

    /// <summary>The running dnsmasq's pid, or null.</summary>
    public int? RunningPid(DhcpPlan plan) => RunningPid(StateDirectory(plan));

    private static int? RunningPid(string stateDirectory)
    {
        var pidFile = Path.Combine(stateDirectory, "dnsmasq.pid");
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture, out var pid))
        {
            return null;
        }

        var comm = $"/proc/{pid}/comm";
        return File.Exists(comm) && File.ReadAllText(comm).Trim() == "dnsmasq" ? pid : null;
    }

    /// <summary>The leases dnsmasq handed out (MAC -> address).</summary>
    public IReadOnlyList<DhcpHost> Leases(DhcpPlan plan)
    {
        var file = Path.Combine(StateDirectory(plan), "leases");
        if (!File.Exists(file))
        {
            return [];
        }

        return [.. File.ReadAllLines(file).Select(l => l.Split(' ')).Where(p => p.Length >= 3).Select(p => new DhcpHost(p[1], IPAddress.Parse(p[2]), p.Length > 3 && p[3] != "*" ? p[3] : null))];
    }

    public Task StopAsync(DhcpPlan plan) => StopAsync(StateDirectory(plan));

    private static async Task StopAsync(string stateDirectory)
    {
        if (RunningPid(stateDirectory) is { } pid)
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    /// <summary>Stops dnsmasq and removes the namespace (and with it the veth pair) and the state files.</summary>
    public Task TeardownAsync(DhcpPlan plan, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return TeardownAsync(plan.NetworkId, plan.DevicePrefix, cancellationToken);
    }

    /// <summary>Stops the network's dnsmasq and removes its namespace, veth pair, lease file and state, whatever the plan was (names come from the network id and the prefix).</summary>
    public async Task TeardownAsync(string networkId, string devicePrefix, CancellationToken cancellationToken = default)
    {
        var state = StateDirectory(networkId);
        await StopAsync(state);
        var vethBridgeSide = DeviceNames.DhcpVethBridgeSide(networkId, devicePrefix);
        if ((await run.RunAsync("ip", ["link", "show", "dev", vethBridgeSide], cancellationToken)).Succeeded)
        {
            await run.RunCheckedAsync("ip", ["link", "del", vethBridgeSide], cancellationToken);
        }

        var ns = DeviceNames.DhcpNamespace(networkId, devicePrefix);
        if ((await run.RunAsync("ip", ["netns", "exec", ns, "true"], cancellationToken)).Succeeded)
        {
            await run.RunCheckedAsync("ip", ["netns", "del", ns], cancellationToken);
        }

        if (Directory.Exists(state))
        {
            Directory.Delete(state, true);
        }
    }

    private static string Mask(int prefix)
    {
        var bits = prefix == 0 ? 0u : uint.MaxValue << (32 - prefix);
        return new IPAddress([(byte)(bits >> 24), (byte)(bits >> 16), (byte)(bits >> 8), (byte)bits]).ToString();
    }

    private static string Num(int value) => value.ToString(CultureInfo.InvariantCulture);
}
