using System.Runtime.InteropServices;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.Node.Agent;
using KubeCloud.Node.Agent.Hosting;
using KubeCloud.Node.Cli;

// kubecloud-node: one per compute node. See NodeFlags.Usage and node-daemon/README.md.
// Its JSON: the node's own source-generated context, before anything reads or writes an object (reflection-based JSON is
// off in this binary's runtimeconfig and absent from its NativeAOT build).
KubernetesJsonOptions.AddTypeInfoResolver(NodeJsonContext.Default);
NodeFlags flags;
try
{
    var parsed = NodeFlags.Parse(args, Environment.GetEnvironmentVariable, out var help);
    if (help)
    {
        Console.WriteLine(NodeFlags.Usage);
        return 0;
    }

    flags = parsed!;
}
catch (CommandLineException e)
{
    Console.Error.WriteLine($"kubecloud-node: {e.Message}");
    return 2;
}

NodeAgentHostOptions host;
using (var stop = new CancellationTokenSource())
{
    // Until the host runs (it handles SIGINT/SIGTERM itself from then on), a signal cancels the startup checks.
    void Stop(PosixSignalContext signal)
    {
        signal.Cancel = true;
        stop.Cancel();
    }

    using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
    using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
    try
    {
        host = await NodeStartup.PrepareAsync(flags, stop.Token);
    }
    catch (StartupException failure)
    {
        Console.Error.WriteLine($"kubecloud-node: {failure.Message}");
        return 1;
    }
    catch (OperationCanceledException)
    {
        return 1;
    }
}

using (host.Driver)
{
    var app = NodeAgentHost.Build(host);
    Console.Error.WriteLine($"kubecloud-node: node {host.Node.NodeName}, hypervisor {host.Node.Hypervisor.ToString().ToLowerInvariant()} ({host.Node.HypervisorReason}), state in {host.Node.StateDirectory}");
    await app.RunAsync();
}

return 0;
