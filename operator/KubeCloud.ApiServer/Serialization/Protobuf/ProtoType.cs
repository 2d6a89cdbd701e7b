namespace KubeCloud.ApiServer.Serialization.Protobuf;

/// <summary>The type of one value: a scalar, or a message (resolved once the tables are read).</summary>
public sealed class ProtoType
{
    public ProtoType(ProtoScalar scalar, string? messageName = null)
    {
        Scalar = scalar;
        MessageName = messageName;
    }

    public ProtoScalar Scalar { get; }

    public string? MessageName { get; }

    public ProtoMessage? Message { get; internal set; }

    /// <summary>The protobuf wire type of one value of this type (packed repeated scalars excepted).</summary>
    public int WireType => Scalar switch
    {
        ProtoScalar.Message or ProtoScalar.String or ProtoScalar.Bytes => 2,
        ProtoScalar.Fixed64 or ProtoScalar.SFixed64 or ProtoScalar.Double => 1,
        ProtoScalar.Fixed32 or ProtoScalar.SFixed32 or ProtoScalar.Float => 5,
        _ => 0,
    };

    public override string ToString() => MessageName ?? Scalar.ToString().ToLowerInvariant();

    public static ProtoType Parse(string text) => text switch
    {
        "string" => new(ProtoScalar.String),
        "bytes" => new(ProtoScalar.Bytes),
        "bool" => new(ProtoScalar.Bool),
        "int32" => new(ProtoScalar.Int32),
        "int64" => new(ProtoScalar.Int64),
        "uint32" => new(ProtoScalar.UInt32),
        "uint64" => new(ProtoScalar.UInt64),
        "sint32" => new(ProtoScalar.SInt32),
        "sint64" => new(ProtoScalar.SInt64),
        "fixed32" => new(ProtoScalar.Fixed32),
        "fixed64" => new(ProtoScalar.Fixed64),
        "sfixed32" => new(ProtoScalar.SFixed32),
        "sfixed64" => new(ProtoScalar.SFixed64),
        "double" => new(ProtoScalar.Double),
        "float" => new(ProtoScalar.Float),
        _ => new(ProtoScalar.Message, text),
    };
}
