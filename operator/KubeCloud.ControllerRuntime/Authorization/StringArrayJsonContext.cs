using System.Text.Json.Serialization;

namespace KubeCloud.ControllerRuntime.Authorization;

/// <summary>The request-header ConfigMap's list values (JSON arrays of strings), read without reflection (NativeAOT).</summary>
[JsonSerializable(typeof(string[]))]
internal sealed partial class StringArrayJsonContext : JsonSerializerContext;
