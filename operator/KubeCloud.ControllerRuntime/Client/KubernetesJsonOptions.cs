using System.Text.Json;
using k8s;

namespace KubeCloud.ControllerRuntime.Client;

/// <summary>
/// The serializer options of KubernetesClient's <see cref="KubernetesJson"/> itself, for the places that need the
/// options object rather than its string API: watch lines parsed straight from a <see cref="Utf8JsonReader"/>,
/// request bodies written as UTF-8 bytes. Read through the package's public hook and never changed, so the runtime
/// and the package read and write objects identically.
/// </summary>
public static class KubernetesJsonOptions
{
    /// <summary>The package's options.</summary>
    public static JsonSerializerOptions Options { get; } = Capture();

    private static JsonSerializerOptions Capture()
    {
        JsonSerializerOptions? options = null;
        KubernetesJson.AddJsonOptions(o => options = o);
        return options ?? throw new InvalidOperationException("KubernetesJson.AddJsonOptions did not hand over its options.");
    }
}
