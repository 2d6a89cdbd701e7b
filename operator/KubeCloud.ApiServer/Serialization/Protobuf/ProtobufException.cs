namespace KubeCloud.ApiServer.Serialization.Protobuf;

/// <summary>A body the codec cannot read, or an object it cannot write; the message names the message and field.</summary>
public sealed class ProtobufException : Exception
{
    public ProtobufException(string message)
        : base(message)
    {
    }

    public ProtobufException()
    {
    }

    public ProtobufException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
