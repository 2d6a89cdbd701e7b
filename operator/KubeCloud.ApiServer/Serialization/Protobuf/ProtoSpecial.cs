namespace KubeCloud.ApiServer.Serialization.Protobuf;

/// <summary>Messages whose JSON form is not an object of their fields (their Go types marshal themselves).</summary>
public enum ProtoSpecial
{
    /// <summary>An object of the message's fields.</summary>
    None,

    /// <summary>meta/v1 Time: {seconds, nanos} as RFC 3339 to the second; the zero time is sent empty and is null.</summary>
    Time,

    /// <summary>meta/v1 MicroTime: {seconds, nanos} as RFC 3339 with microseconds.</summary>
    MicroTime,

    /// <summary>resource.Quantity: {string} as its string.</summary>
    Quantity,

    /// <summary>intstr.IntOrString: {type, intVal, strVal} as a number (type 0) or a string (type 1).</summary>
    IntOrString,

    /// <summary>runtime.RawExtension and meta/v1 FieldsV1: {raw bytes} holding JSON, as that JSON.</summary>
    RawJson,

    /// <summary>A Go slice type wrapped for protobuf ({repeated items}): meta/v1 Verbs, ExtraValue; a JSON array.</summary>
    StringList,

    /// <summary>A message the codec has no JSON form for (meta/v1 Duration): refused rather than guessed.</summary>
    Unsupported,
}

/// <summary>Which messages have a <see cref="ProtoSpecial"/> encoding.</summary>
public static class ProtoSpecials
{
    private const string Meta = "k8s.io.apimachinery.pkg.apis.meta.v1.";

    public static ProtoSpecial Of(string fullName) => fullName switch
    {
        Meta + "Time" => ProtoSpecial.Time,
        Meta + "MicroTime" => ProtoSpecial.MicroTime,
        "k8s.io.apimachinery.pkg.api.resource.Quantity" or "k8s.io.apimachinery.pkg.api.resource.QuantityValue" => ProtoSpecial.Quantity,
        "k8s.io.apimachinery.pkg.util.intstr.IntOrString" => ProtoSpecial.IntOrString,
        "k8s.io.apimachinery.pkg.runtime.RawExtension" or Meta + "FieldsV1" => ProtoSpecial.RawJson,
        Meta + "Verbs" or "k8s.io.api.authentication.v1.ExtraValue" or "k8s.io.api.authorization.v1.ExtraValue" or "k8s.io.api.certificates.v1.ExtraValue" => ProtoSpecial.StringList,
        Meta + "Duration" => ProtoSpecial.Unsupported,
        _ => ProtoSpecial.None,
    };
}
