namespace KubeCloud.ApiServer.Serialization.Protobuf;

/// <summary>
/// One field of a message as the tables give it: number, proto name, JSON name, type (for a map, the
/// entry's key and value types), and what the Go type adds: a pointer (proto2 presence: a zero value on
/// the wire was set on purpose), omitempty (a zero value of a non-pointer is left out of JSON), inline
/// (an embedded struct whose fields JSON flattens into the parent).
/// </summary>
public sealed record ProtoField(int Number, string Name, string JsonName, ProtoType Type, bool Repeated, ProtoType? MapKey, bool Pointer, bool OmitEmpty, bool Inline)
{
    public bool IsMap => MapKey is not null;

    public ProtoMessage? Message => Type.Message;
}
