using System.Diagnostics;
using System.Text.Json.Nodes;
using KubeCloud.ApiServer;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Config;

namespace KubeCloud.Local.Cli;

/// <summary>
/// One run of the local mode, step by step: host checks and setup, the demo image, the local API server with its state in
/// the data directory, the Keystone roles, the operator, the node daemon, examples/, then the wait for the example servers
/// to be Active; on a stop signal the node and the operator stop and <see cref="HostCleanup"/> leaves the host as it was.
/// In-process hosts rather than child processes: one build, one process to signal and to measure, and it runs from a clone
/// with nothing published.
/// </summary>
internal sealed class LocalCloud(LocalFlags flags, LocalFiles files, TextWriter output, Stopwatch watch)
{
    public async Task<int> RunAsync(CancellationToken stop)
    {
        HostSetup.RequireRoot(Environment.IsPrivilegedProcess);
        HostSetup.RequirePortFree(flags.Port);
        if (!flags.SkipHostSetup)
        {
            await HostSetup.RunAsync(files.HostSetupScript, output, Step, stop);
        }

        Directory.CreateDirectory(flags.DataDirectory);
        await using var image = await DemoImage.StartAsync(Path.Combine(flags.DataDirectory, "demo-image-port"), Step, stop);
        var options = new LocalApiServerOptions
        {
            Port = flags.Port,
            DataDirectory = flags.ApiServerDirectory,
            KubeconfigPath = flags.KubeconfigPath,
        };
        foreach (var crd in files.Crds)
        {
            options.CrdFiles.Add(crd);
        }

        Step($"starting the local API server on 127.0.0.1:{flags.Port} (state in {flags.ApiServerDirectory})");
        LocalApiServer server;
        try
        {
            server = await LocalApiServer.StartAsync(options, stop);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && e.Message.Contains(flags.ApiServerDirectory, StringComparison.Ordinal))
        {
            throw new LocalStartupException($"data directory {flags.ApiServerDirectory}: {e.Message}", e);
        }

        await using (server)
        {
            Step($"the API server answers; kubectl can use it now: export KUBECONFIG={flags.KubeconfigPath}");
            var cluster = ClusterConfig.FromKubeconfig(server.KubeconfigPath);
            using var client = new KubeClient(cluster, new KubeClientOptions { UserAgent = "kubecloud-local/0.1" });
            await LocalOperator.RemoveStaleWebhookAsync(client, stop);
            var apply = new ManifestApply(client);
            Step("applying the Keystone roles (kubecloud-admin, -member, -reader, -cloud-admin)");
            foreach (var document in ManifestApply.Read(files.KeystoneRoles))
            {
                await apply.ApplyAsync(document, stop);
            }

            await apply.ApplyAsync(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = "kubecloud-system" } }, stop);
            Step("starting the operator (every controller and the admission webhook)");
            await using var op = await LocalOperator.StartAsync(cluster, client, flags.WebhookCertificateDirectory, stop);
            Step($"starting the node daemon for node {flags.NodeName} (libvirt qemu:///system, state in {flags.NodeStateDirectory})");
            var node = await LocalNode.StartAsync(cluster, flags, image.Guest.KernelPath, Step, stop);
            using var driver = node.Driver;
            try
            {
                await using (node)
                {
                    var servers = await ApplyExamplesAsync(apply, image, stop);
                    Step($"waiting for {string.Join(", ", servers.Select(s => $"{s.Namespace}/{s.Name}"))} to be Active (image download, guest boot)");
                    await new ServerProgress(client, driver, output).WaitActiveAsync(servers, stop);
                    Step($"Active {watch.Elapsed.TotalSeconds:0} s after the start");
                    output.WriteLine($"""

                        KubeCloud is running. The kubeconfig is {flags.KubeconfigPath}; in another shell:

                          export KUBECONFIG={flags.KubeconfigPath}
                          kubectl get servers -n demo
                          kubectl get kubecloud -A
                          kubectl kubecloud console web-1 -n demo -f    (the plugin: dotnet run --project operator/KubeCloud.Kubectl.Cli -- console ...)

                        Guest consoles are also on disk: {Path.Combine(flags.NodeStateDirectory, "instances")}/<namespace>_<name>/console.log
                        Ctrl-C stops the cloud and removes its VMs, bridges and iSCSI targets from this host; the objects stay in
                        {flags.DataDirectory}, and the next start brings them back.
                        """);
                    await Task.Delay(Timeout.Infinite, stop);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }

            Step("node daemon stopped; removing this cloud's VMs, bridges and iSCSI targets from the host");
            await new HostCleanup(client, driver, flags.NodeName, flags.NodeStateDirectory, output).RunAsync(CancellationToken.None);
        }

        Step("stopped; the host is clean");
        return 0;
    }

    /// <summary>Applies examples/ (the demo image in place of the Debian one unless --use-example-image); returns the Servers applied.</summary>
    private async Task<IReadOnlyList<(string Namespace, string Name)>> ApplyExamplesAsync(ManifestApply apply, DemoImage image, CancellationToken stop)
    {
        Step($"applying {files.Examples.Count} files of examples/");
        var servers = new List<(string, string)>();
        foreach (var file in files.Examples)
        {
            foreach (var document in ManifestApply.Read(file))
            {
                if (document["kind"]?.GetValue<string>() == "Image" && !flags.UseExampleImage)
                {
                    PointAtDemoImage(document, image);
                }

                var applied = await apply.ApplyAsync(document, stop);
                output.WriteLine($"  {Path.GetFileName(file)}: {applied}");
                if (document["kind"]?.GetValue<string>() == "Server")
                {
                    servers.Add((document["metadata"]?["namespace"]?.GetValue<string>() ?? "default", document["metadata"]!["name"]!.GetValue<string>()));
                }
            }
        }

        return servers;
    }

    private void PointAtDemoImage(JsonObject document, DemoImage image)
    {
        var spec = document["spec"] as JsonObject ?? [];
        document["spec"] = spec;
        spec["source"] = new JsonObject { ["url"] = image.Url.ToString() };
        spec["checksum"] = image.Sha256;
        spec["diskFormat"] = "raw";
        var name = document["metadata"]?["name"]?.GetValue<string>();
        output.WriteLine($"  image {name}: the demo guest built here ({image.Url}, sha256 {image.Sha256[..12]}...), not the example's URL (no internet needed; --use-example-image keeps it)");
    }

    private void Step(string what) => output.WriteLine($"kubecloud-local: [{watch.Elapsed.TotalSeconds,5:0.0}s] {what}");
}
