using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Serialization;

/// <summary>
/// In-process cost of the table-driven protobuf codec on one Deployment (two containers, the object of
/// <see cref="FieldOwnershipBench"/>): decoding a request body and encoding an answer, beside parsing and
/// writing the same object as JSON, the work the server does for a JSON client.
/// </summary>
internal static class ProtobufCodecBench
{
    public static void Run(bool quick)
    {
        var iterations = quick ? 20_000 : 200_000;
        var deployment = JsonNode.Parse(FieldOwnershipBench.Deployment)!.AsObject();
        var protobuf = ProtobufBodies.Encode(deployment)!;
        var json = Encoding.UTF8.GetBytes(deployment.ToJsonString(JsonText.Options));
        Console.WriteLine($"one Deployment ({protobuf.Length} bytes protobuf, {json.Length} bytes JSON), in process, {iterations} each, {Environment.ProcessorCount} cores");
        Console.WriteLine("| operation | µs each | per second |");
        Console.WriteLine("| --- | ---: | ---: |");
        Measure("decode protobuf body", iterations, () => ProtobufBodies.Decode(protobuf));
        Measure("parse JSON body, every node built (baseline)", iterations, () => Built(JsonNode.Parse(json)));
        Measure("encode protobuf answer", iterations, () => ProtobufBodies.Encode(deployment));
        Measure("write JSON answer (baseline)", iterations, () => deployment.ToJsonString(JsonText.Options));
    }

    /// <summary>Visits every node: JsonNode.Parse builds children lazily, and the server reads them all (validation, managedFields).</summary>
    private static int Built(JsonNode? node) => node switch
    {
        JsonObject o => 1 + o.Sum(p => Built(p.Value)),
        JsonArray a => 1 + a.Sum(Built),
        _ => 1,
    };

    private static void Measure(string name, int iterations, Func<object?> operation)
    {
        // Two seconds of warm-up: the timed calls run tiered-up code, as a long-running server does.
        for (var warmup = Stopwatch.StartNew(); warmup.Elapsed < TimeSpan.FromSeconds(2);)
        {
            operation();
        }

        var clock = Stopwatch.StartNew();
        for (var i = 0; i < iterations; i++)
        {
            operation();
        }

        var elapsed = clock.Elapsed;
        Console.WriteLine($"| {name} | {elapsed.TotalMicroseconds / iterations:F1} | {iterations / elapsed.TotalSeconds:F0} |");
    }
}
