using System.Diagnostics;

namespace KubeCloud.Local.Tests;

/// <summary>What the host has, asked with the tools an administrator would use (virsh, ip, tgtadm, pgrep).</summary>
internal static class HostState
{
    public static async Task<string> RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (await output) + (await error);
    }

    /// <summary>The domain's state as virsh says it ("running", "shut off"), or null when libvirt has no such domain.</summary>
    public static async Task<string?> DomainStateAsync(string domain)
    {
        var names = await RunAsync("virsh", "-c", "qemu:///system", "list", "--all", "--name");
        return names.Split('\n').Any(n => n.Trim() == domain) ? (await RunAsync("virsh", "-c", "qemu:///system", "domstate", domain)).Trim() : null;
    }

    /// <summary>The pid of the QEMU process running the domain, or null.</summary>
    public static async Task<int?> QemuPidAsync(string domain)
    {
        var pids = (await RunAsync("pgrep", "-f", $"guest={domain},")).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return pids.Length == 1 && int.TryParse(pids[0], out var pid) ? pid : null;
    }

    public static async Task<bool> LinkExistsAsync(string device) =>
        (await RunAsync("ip", "-o", "link", "show")).Split('\n').Any(l => l.Split(':', 3) is [_, var name, _] && name.Trim().Split('@')[0] == device);

    /// <summary>tgtd's targets as <c>tgtadm --op show --mode target</c> lists them.</summary>
    public static Task<string> TargetsAsync() => RunAsync("tgtadm", "--lld", "iscsi", "--op", "show", "--mode", "target");
}
