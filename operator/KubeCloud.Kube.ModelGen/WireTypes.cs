namespace KubeCloud.Kube.ModelGen;

/// <summary>How a definition that is not generated as a class appears in C#.</summary>
/// <param name="CSharpType">The C# type, without the nullable marker.</param>
/// <param name="IsValueType">True for structs, which need <c>?</c> to be nullable.</param>
/// <param name="PropertyConverter">A converter to put on properties of this type, if any.</param>
public sealed record MappedType(string CSharpType, bool IsValueType, string? PropertyConverter = null);

/// <summary>
/// The definitions with a hand-written C# counterpart instead of a generated class: timestamps,
/// quantities, int-or-strings, and free-form JSON (kept as <c>JsonNode</c> so unknown content round-trips).
/// </summary>
public static class WireTypes
{
    /// <summary>The free-form JSON type.</summary>
    public static readonly MappedType FreeForm = new("JsonNode", IsValueType: false);

    private static readonly Dictionary<string, MappedType> Mapped = new(StringComparer.Ordinal)
    {
        ["io.k8s.apimachinery.pkg.apis.meta.v1.Time"] = new("DateTimeOffset", IsValueType: true, "KubeTimeJsonConverter"),
        ["io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime"] = new("DateTimeOffset", IsValueType: true, "KubeMicroTimeJsonConverter"),
        ["io.k8s.apimachinery.pkg.api.resource.Quantity"] = new("ResourceQuantity", IsValueType: false),
        ["io.k8s.apimachinery.pkg.util.intstr.IntOrString"] = new("IntOrString", IsValueType: false),
        ["io.k8s.apimachinery.pkg.runtime.RawExtension"] = FreeForm,
        ["io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1"] = FreeForm,
        ["io.k8s.apimachinery.pkg.apis.meta.v1.Patch"] = FreeForm,
    };

    /// <summary>Returns the hand-written type of a definition, or null when the definition becomes a generated class.</summary>
    /// <remarks>Definitions without a <c>type</c> (JSON, JSONSchemaPropsOrArray/OrBool/OrStringArray) are free-form.</remarks>
    public static MappedType? For(string definitionName, bool hasType) =>
        Mapped.TryGetValue(definitionName, out var mapped) ? mapped : hasType ? null : FreeForm;
}
