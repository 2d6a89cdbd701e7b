namespace KubeCloud.ApiServer.Serialization.Protobuf;

/// <summary>The value kinds of a protobuf field: the scalar types of the .proto language, or a message.</summary>
public enum ProtoScalar
{
    Message,
    String,
    Bytes,
    Bool,
    Int32,
    Int64,
    UInt32,
    UInt64,
    SInt32,
    SInt64,
    Fixed32,
    Fixed64,
    SFixed32,
    SFixed64,
    Double,
    Float,
}
