using System.Diagnostics;
using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Patching;
using KubeCloud.ApiServer.Storage;

/// <summary>
/// In-process cost of the managedFields bookkeeping of one write (<see cref="ManagedFields.RecordWrite"/>,
/// what every create, update and patch does): a ConfigMap as the HTTP bench creates it and a Deployment
/// with two containers, created and updated (one image changed) with the managed fields of the create.
/// </summary>
internal static class FieldOwnershipBench
{
    private const string ConfigMap = """
        {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"bench-1","namespace":"default","uid":"5f0a3c1e-8d5b-4f7e-9a43-0c2b7d1e6f11",
        "creationTimestamp":"2025-01-01T00:00:00Z","labels":{"bench":"yes"}},"data":{"value":"1"}}
        """;

    internal const string Deployment = """
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default","uid":"5f0a3c1e-8d5b-4f7e-9a43-0c2b7d1e6f12",
        "creationTimestamp":"2025-01-01T00:00:00Z","generation":1,"labels":{"app":"web","tier":"front"},
        "annotations":{"kubectl.kubernetes.io/description":"the web tier"}},
        "spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":"25%"}},
        "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[
        {"name":"web","image":"nginx:1.27","ports":[{"containerPort":80,"protocol":"TCP"},{"containerPort":443,"protocol":"TCP"}],
        "env":[{"name":"MODE","value":"prod"},{"name":"LEVEL","value":"info"}],"resources":{"limits":{"cpu":"500m","memory":"256Mi"}},
        "volumeMounts":[{"name":"cache","mountPath":"/cache"}]},
        {"name":"sidecar","image":"busybox:1.36","args":["sleep","infinity"]}],
        "volumes":[{"name":"cache","emptyDir":{}}],"restartPolicy":"Always","dnsPolicy":"ClusterFirst"}}}}
        """;

    public static void Run(bool quick)
    {
        var iterations = quick ? 5_000 : 50_000;
        Console.WriteLine($"managedFields of one write, in process, {iterations} writes each, {Environment.ProcessorCount} cores");
        Console.WriteLine("| write | µs per write | writes/s |");
        Console.WriteLine("| --- | ---: | ---: |");
        var configMapSchema = PatchSchema.ForDefinition("io.k8s.api.core.v1.ConfigMap");
        var deploymentSchema = PatchSchema.ForDefinition("io.k8s.api.apps.v1.Deployment");
        var configMap = JsonNode.Parse(ConfigMap)!.AsObject();
        var deployment = JsonNode.Parse(Deployment)!.AsObject();
        Measure("create ConfigMap", iterations, configMap, null, configMapSchema);
        Measure("create Deployment", iterations / 5, deployment, null, deploymentSchema);
        Measure("update ConfigMap (data changed)", iterations, Changed(configMap, o => o["data"]!["value"] = "2"), Created(configMap, configMapSchema), configMapSchema);
        Measure("update Deployment (image changed)", iterations / 5, Changed(deployment, o => o["spec"]!["template"]!["spec"]!["containers"]![1]!["image"] = "busybox:1.37"), Created(deployment, deploymentSchema), deploymentSchema);
    }

    private static JsonObject Created(JsonObject obj, PatchSchema schema)
    {
        var created = obj.DeepClone().AsObject();
        ManagedFields.RecordWrite(null, created, null, schema, "kubectl-create", (string)obj["apiVersion"]!, "", "");
        created.Metadata()["managedFields"]!.AsArray().Add(JsonNode.Parse("""{"manager":"controller","operation":"Update","apiVersion":"v1","time":"2025-01-01T00:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:annotations":{".":{},"f:note":{}}}}}"""));
        return created;
    }

    private static JsonObject Changed(JsonObject obj, Action<JsonObject> change)
    {
        var changed = obj.DeepClone().AsObject();
        change(changed);
        return changed;
    }

    private static void Measure(string name, int iterations, JsonObject written, JsonObject? old, PatchSchema schema)
    {
        const int batch = 1000;
        var apiVersion = (string)written["apiVersion"]!;
        // Two seconds of warm-up: the timed writes run tiered-up code, as a long-running server does.
        for (var warmup = Stopwatch.StartNew(); warmup.Elapsed < TimeSpan.FromSeconds(2);)
        {
            ManagedFields.RecordWrite(old, written.DeepClone().AsObject(), null, schema, "kubectl-edit", apiVersion, "", "");
        }

        var elapsed = TimeSpan.Zero;
        for (var done = 0; done < iterations; done += batch)
        {
            var copies = Enumerable.Range(0, batch).Select(_ => written.DeepClone().AsObject()).ToArray();
            var clock = Stopwatch.StartNew();
            foreach (var copy in copies)
            {
                ManagedFields.RecordWrite(old, copy, null, schema, "kubectl-edit", apiVersion, "", "");
            }

            elapsed += clock.Elapsed;
        }

        Console.WriteLine($"| {name} | {elapsed.TotalMicroseconds / iterations:F1} | {iterations / elapsed.TotalSeconds:F0} |");
    }
}
