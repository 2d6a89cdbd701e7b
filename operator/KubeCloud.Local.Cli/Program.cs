using System.Diagnostics;
using System.Runtime.InteropServices;
using KubeCloud.ApiServer;
using KubeCloud.Local.Cli;

// kubecloud-local: the whole cloud on this host (see LocalFlags.Usage and README.md, "The all-in-one local mode").
LocalFlags flags;
try
{
    flags = LocalFlags.Parse(args);
}
catch (LocalCommandLineException e)
{
    Console.Error.WriteLine($"kubecloud-local: {e.Message}");
    return 2;
}

if (flags.Help)
{
    Console.WriteLine(LocalFlags.Usage);
    return 0;
}

using var stop = new CancellationTokenSource();
void Stop(PosixSignalContext signal)
{
    signal.Cancel = true;
    if (!stop.IsCancellationRequested)
    {
        Console.WriteLine($"kubecloud-local: {signal.Signal} received, stopping");
        stop.Cancel();
    }
}

using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
var watch = Stopwatch.StartNew();
try
{
    return await new LocalCloud(flags, LocalFiles.BesideBinary, Console.Out, watch).RunAsync(stop.Token);
}
catch (LocalStartupException e)
{
    Console.Error.WriteLine($"kubecloud-local: {e.Message}");
    return 1;
}
catch (Exception e) when (ListenFailureOf(e) is { } port)
{
    Console.Error.WriteLine($"kubecloud-local: port {port} on 127.0.0.1 is already in use; stop what holds it or pass --port");
    return 1;
}

int? ListenFailureOf(Exception e) => KubeCloud.ApiServer.Http.ListenFailure.IsPortInUse(e) ? flags.Port : null;
