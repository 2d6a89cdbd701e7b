using k8s;
using k8s.Models;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Config;
using KubeCloud.Kubectl.Cli;

PluginCommandLine line;
try
{
    line = PluginCommandLine.Parse(args);
}
catch (UsageException e)
{
    Console.Error.WriteLine($"kubectl kubecloud: {e.Message} (try --help)");
    return 2;
}

if (line.Help)
{
    Console.WriteLine(PluginCommandLine.Usage);
    return 0;
}

KubernetesClientConfiguration config;
try
{
    config = ClusterConfig.Load(line.Kubeconfig, line.Context);
}
catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or IOException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"kubectl kubecloud: no kubeconfig: {e.Message}");
    return 1;
}

var ns = line.Namespace ?? config.Namespace ?? "default";
if (line.Verb == "console")
{
    // No retries: a 503 (the APIService unavailable) is reported at once; Ctrl-C ends a followed console cleanly.
    using var consoleClient = new KubeClient(config, new KubeClientOptions { Retry = RetryPolicy.None });
    using var interrupted = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        interrupted.Cancel();
    };
    try
    {
        await ConsoleReader.CopyAsync(consoleClient, ns, line, Console.OpenStandardOutput(), interrupted.Token);
        return 0;
    }
    catch (OperationCanceledException) when (interrupted.IsCancellationRequested)
    {
        return 0;
    }
    catch (KubeApiException e)
    {
        Console.Error.WriteLine($"kubectl kubecloud: {ConsoleReader.Explain(e, ns, line.Server)}");
        return 1;
    }
    catch (HttpRequestException e)
    {
        Console.Error.WriteLine($"kubectl kubecloud: console of server {ns}/{line.Server}: the API server did not answer: {e.Message}");
        return 1;
    }
}

using var client = new KubeClient(config);
try
{
    var server = await client.GetAsync<Server>(line.Server, ns);
    if (line.Verb == "why")
    {
        var events = await client.ListAsync<Eventsv1Event>(ns);
        Console.Write(WhyReport.Render(server, events.Items ?? []));
        return 0;
    }

    var (patch, done) = ServerAction.For(line, server, DateTimeOffset.UtcNow);
    await client.PatchAsync<Server>(line.Server, ns, KubePatch.Merge(patch), new PatchOptions { FieldManager = "kubectl-kubecloud" });
    Console.WriteLine(done);
    return 0;
}
catch (NotFoundException)
{
    Console.Error.WriteLine($"Error from server (NotFound): servers.kubecloud.io \"{line.Server}\" not found in namespace {ns}");
    return 1;
}
catch (ActionRefusedException e)
{
    Console.Error.WriteLine($"kubectl kubecloud: {e.Message}");
    return 1;
}
catch (KubeApiException e)
{
    Console.Error.WriteLine($"Error from server ({e.Status?.Reason ?? ((int)e.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture)}): {e.Status?.Message ?? e.Message}");
    return 1;
}
