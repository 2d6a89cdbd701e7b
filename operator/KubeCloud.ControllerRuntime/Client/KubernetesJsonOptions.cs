using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using k8s;

namespace KubeCloud.ControllerRuntime.Client;

/// <summary>
/// The serializer options every object the runtime sends or reads goes through (requests, watch lines parsed straight
/// from a <see cref="Utf8JsonReader"/>, patches, deep copies), and <see cref="TypeInfo{T}"/>, the metadata of one type
/// under them, which the runtime's JSON calls take instead of the options (so they need no reflection themselves).
/// <para>
/// By default (<see cref="IsReflectionEnabled"/>) they are KubernetesClient's <see cref="KubernetesJson"/> options
/// themselves, read through the package's public hook, so the runtime and the package read and write objects
/// identically; one change, made before the options are first used: the type-info resolver is reflection only
/// (<see cref="DefaultJsonTypeInfoResolver"/>, which the package falls back to anyway), after any resolver added with
/// <see cref="AddTypeInfoResolver"/>. The package puts its source-generated context first, and asking that context about
/// any type (KubeCloud's own included) runs a method that compares the type with each of the ~900 model types, which
/// loads every one of them: about 6 MB of a process (a console app serializing one small object: 53 MB RSS with the
/// context, 46 MB without). The output is the same: both honour the models' attributes and the options' converters.
/// </para>
/// <para>
/// With the feature switch <see cref="ReflectionSwitch"/> false (the node daemon's runtimeconfig; a NativeAOT publish
/// then drops the reflection path and <see cref="KubernetesJson"/> altogether) they are options of the same settings
/// (camelCase, nulls omitted, the package's time converters) whose only resolvers are those added with
/// <see cref="AddTypeInfoResolver"/>: source-generated contexts listing exactly the types the process sends and reads.
/// A type outside them is a <see cref="NotSupportedException"/> naming it.
/// </para>
/// </summary>
public static class KubernetesJsonOptions
{
    /// <summary>The runtimeconfig switch (default true) that keeps reflection-based JSON; false for source-generated contexts only.</summary>
    public const string ReflectionSwitch = "KubeCloud.ControllerRuntime.KubernetesJson.IsReflectionEnabled";

    private static readonly List<IJsonTypeInfoResolver> Resolvers = [];
    private static JsonSerializerOptions? _options;

    /// <summary>The options (created on first use; <see cref="AddTypeInfoResolver"/> comes before that).</summary>
    public static JsonSerializerOptions Options => Volatile.Read(ref _options) ?? Create();

    /// <summary>False when the process runs with <see cref="ReflectionSwitch"/> false: a NativeAOT publish removes the reflection path.</summary>
    [FeatureSwitchDefinition(ReflectionSwitch)]
    [FeatureGuard(typeof(RequiresUnreferencedCodeAttribute))]
    [FeatureGuard(typeof(RequiresDynamicCodeAttribute))]
    [SuppressMessage("Trimming", "IL4000", Justification = "A feature switch: a trimmed or NativeAOT build with the switch false (Trim=\"true\") substitutes false here and removes the code it guards; the analyzer cannot read a runtimeconfig switch.")]
    public static bool IsReflectionEnabled => !AppContext.TryGetSwitch(ReflectionSwitch, out var enabled) || enabled;

    /// <summary>
    /// Adds a resolver (a source-generated <see cref="JsonSerializerContext"/>) that is asked before any other, at the
    /// start of a process, before <see cref="Options"/> is first used.
    /// </summary>
    public static void AddTypeInfoResolver(IJsonTypeInfoResolver resolver)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        lock (Resolvers)
        {
            if (_options is not null)
            {
                throw new InvalidOperationException("KubernetesJsonOptions: add type-info resolvers before the options are first used.");
            }

            Resolvers.Add(resolver);
        }
    }

    /// <summary>The metadata of <typeparamref name="T"/> under <see cref="Options"/> (looked up once per type).</summary>
    public static JsonTypeInfo<T> TypeInfo<T>() => TypeInfoOf<T>.Value;

    private static JsonSerializerOptions Create()
    {
        lock (Resolvers)
        {
            if (_options is { } created)
            {
                return created;
            }

            var options = IsReflectionEnabled ? CaptureWithReflection([.. Resolvers]) : CreateSourceGenerated([.. Resolvers]);
            Volatile.Write(ref _options, options);
            return options;
        }
    }

    [RequiresUnreferencedCode("Reflection-based JSON.")]
    [RequiresDynamicCode("Reflection-based JSON.")]
    private static JsonSerializerOptions CaptureWithReflection(IJsonTypeInfoResolver[] first)
    {
        JsonSerializerOptions? options = null;
        KubernetesJson.AddJsonOptions(o =>
        {
            if (!o.IsReadOnly)
            {
                o.TypeInfoResolver = first.Length == 0
                    ? new DefaultJsonTypeInfoResolver()
                    : JsonTypeInfoResolver.Combine([.. first, new DefaultJsonTypeInfoResolver()]);
            }

            options = o;
        });
        return options ?? throw new InvalidOperationException("KubernetesJson.AddJsonOptions did not hand over its options.");
    }

    /// <summary>
    /// Options of KubernetesClient's settings (its <c>KubernetesJson</c> static constructor) whose only resolvers are
    /// <paramref name="resolvers"/>: what <see cref="Options"/> is with <see cref="ReflectionSwitch"/> false (tests check a
    /// context against reflection with it).
    /// </summary>
    public static JsonSerializerOptions CreateSourceGenerated(params IJsonTypeInfoResolver[] resolvers)
    {
        var options = new JsonSerializerOptions
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            TypeInfoResolver = JsonTypeInfoResolver.Combine(resolvers),
        };
        options.Converters.Add(new KubernetesJson.Iso8601TimeSpanConverter());
        options.Converters.Add(new KubernetesJson.KubernetesDateTimeConverter());
        options.Converters.Add(new KubernetesJson.KubernetesDateTimeOffsetConverter());
        options.MakeReadOnly();
        return options;
    }

    private static class TypeInfoOf<T>
    {
        public static readonly JsonTypeInfo<T> Value = (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));
    }
}
