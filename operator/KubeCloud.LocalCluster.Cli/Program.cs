using System.Runtime.InteropServices;
using KubeCloud.LocalCluster;

// kubecloud-apiserver [--port N] [--data-dir DIR] [--token-file FILE] [--crds DIR] [--kubeconfig FILE]
var options = new LocalApiServerOptions();
for (var i = 0; i < args.Length; i++)
{
    string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--port":
            options.Port = int.Parse(Value());
            break;
        case "--data-dir":
            options.DataDirectory = Value();
            break;
        case "--token-file":
            options.TokenFile = Value();
            break;
        case "--crds":
            var directory = Value();
            foreach (var file in Directory.GetFiles(directory, "*.yaml").Concat(Directory.GetFiles(directory, "*.yml")).Order(StringComparer.Ordinal))
            {
                options.CrdFiles.Add(file);
            }

            break;
        case "--kubeconfig":
            options.KubeconfigPath = Value();
            break;
        case "-h" or "--help":
            Console.WriteLine("usage: kubecloud-apiserver [--port N] [--data-dir DIR] [--token-file FILE] [--crds DIR] [--kubeconfig FILE]");
            return 0;
        default:
            Console.Error.WriteLine($"unknown argument {args[i]} (try --help)");
            return 2;
    }
}

options.KubeconfigPath ??= Path.Combine(options.DataDirectory ?? Path.GetTempPath(), "kubecloud-apiserver.kubeconfig");
using var stop = new CancellationTokenSource();
void Stop(PosixSignalContext signal)
{
    signal.Cancel = true;
    stop.Cancel();
}

using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
await using var server = await LocalApiServer.StartAsync(options, stop.Token);
Console.WriteLine($"kubecloud-apiserver serving on {server.Endpoint}");
Console.WriteLine($"kubeconfig: {server.KubeconfigPath}");
Console.WriteLine($"export KUBECONFIG={server.KubeconfigPath}");
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
}

return 0;
