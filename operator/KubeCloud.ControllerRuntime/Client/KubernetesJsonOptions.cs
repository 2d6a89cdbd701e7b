using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using k8s;

namespace KubeCloud.ControllerRuntime.Client;

/// <summary>
/// The serializer options of KubernetesClient's <see cref="KubernetesJson"/> itself, for the places that need the
/// options object rather than its string API: watch lines parsed straight from a <see cref="Utf8JsonReader"/>,
/// request bodies written as UTF-8 bytes. Read through the package's public hook, so the runtime and the package read
/// and write objects identically.
/// <para>
/// One change, made before the options are first used: the type-info resolver is reflection only
/// (<see cref="DefaultJsonTypeInfoResolver"/>, which the package falls back to anyway). The package puts its source-generated
/// context first, and asking that context about any type (KubeCloud's own included) runs a method that compares the
/// type with each of the ~900 model types, which loads every one of them: about 6 MB of a process (a console app
/// serializing one small object: 53 MB RSS with the context, 46 MB without). The output is the same: both honour the
/// models' attributes and the options' converters.
/// </para>
/// </summary>
public static class KubernetesJsonOptions
{
    /// <summary>The package's options.</summary>
    public static JsonSerializerOptions Options { get; } = Capture();

    private static JsonSerializerOptions Capture()
    {
        JsonSerializerOptions? options = null;
        KubernetesJson.AddJsonOptions(o =>
        {
            if (!o.IsReadOnly)
            {
                o.TypeInfoResolver = new DefaultJsonTypeInfoResolver();
            }

            options = o;
        });
        return options ?? throw new InvalidOperationException("KubernetesJson.AddJsonOptions did not hand over its options.");
    }
}
