using System.Globalization;
using System.Runtime.InteropServices;
using KubeCloud.ApiServer;
using KubeCloud.ApiServer.Cli;

// kubecloud-apiserver [--port N] [--data-dir DIR] [--watch-history N] [--token-file FILE] [--crds DIR] [--kubeconfig FILE]
const string Usage = "usage: kubecloud-apiserver [--port N] [--data-dir DIR] [--watch-history N] [--token-file FILE] [--crds DIR|FILE] [--kubeconfig FILE]";
var options = new LocalApiServerOptions();
try
{
    for (var i = 0; i < args.Length; i++)
    {
        var flag = args[i];
        string Value() => i + 1 < args.Length ? args[++i] : throw new StartupException($"{flag} needs a value (try --help)");
        switch (flag)
        {
            case "--port":
                var port = Value();
                options.Port = int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number <= 65535
                    ? number
                    : throw new StartupException($"--port {port}: not a port number (0-65535)");
                break;
            case "--data-dir":
                options.DataDirectory = Value();
                break;
            case "--watch-history":
                var size = Value();
                options.WatchHistorySize = int.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out var changes) && changes > 0
                    ? changes
                    : throw new StartupException($"--watch-history {size}: not a number of changes (1 or more)");
                break;
            case "--token-file":
                options.TokenFile = Value();
                StartupException.CheckTokenFile(options.TokenFile);
                break;
            case "--crds":
                foreach (var file in StartupException.CrdFiles(Value()))
                {
                    options.CrdFiles.Add(file);
                }

                break;
            case "--kubeconfig":
                options.KubeconfigPath = Value();
                break;
            case "-h" or "--help":
                Console.WriteLine(Usage);
                return 0;
            default:
                Console.Error.WriteLine($"unknown argument {flag} (try --help)");
                return 2;
        }
    }
}
catch (StartupException failure)
{
    Console.Error.WriteLine($"kubecloud-apiserver: {failure.Message}");
    return 1;
}

using var stop = new CancellationTokenSource();
void Stop(PosixSignalContext signal)
{
    signal.Cancel = true;
    stop.Cancel();
}

using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
LocalApiServer server;
try
{
    server = await LocalApiServer.StartAsync(options, stop.Token);
}
catch (Exception e) when (StartupException.From(e, options) is { } failure)
{
    Console.Error.WriteLine($"kubecloud-apiserver: {failure.Message}");
    return 1;
}

await using (server)
{
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
}

return 0;
