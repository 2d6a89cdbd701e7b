using System.Buffers.Binary;

namespace KubeCloud.ApiServer.Serialization.Protobuf;

/// <summary>Reads the protobuf wire format: tags, varints, fixed values and length-delimited payloads.</summary>
public ref struct ProtoWireReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public ProtoWireReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    public readonly bool End => _position >= _data.Length;

    public (int Number, int WireType) ReadTag()
    {
        var tag = ReadVarint();
        var number = tag >> 3;
        if (number is 0 or > int.MaxValue)
        {
            throw new ProtobufException($"invalid field number {number}");
        }

        return ((int)number, (int)(tag & 7));
    }

    public ulong ReadVarint()
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = Next(1)[0];
            result |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }

        throw new ProtobufException("malformed varint");
    }

    public uint ReadFixed32() => BinaryPrimitives.ReadUInt32LittleEndian(Next(4));

    public ulong ReadFixed64() => BinaryPrimitives.ReadUInt64LittleEndian(Next(8));

    public ReadOnlySpan<byte> ReadLengthDelimited()
    {
        var length = ReadVarint();
        return length > (ulong)(_data.Length - _position) ? throw new ProtobufException("truncated protobuf message") : Next((int)length);
    }

    /// <summary>Skips one value of a wire type.</summary>
    public void Skip(int wireType)
    {
        _ = wireType switch
        {
            0 => ReadVarint(),
            1 => ReadFixed64(),
            2 => (ulong)ReadLengthDelimited().Length,
            5 => ReadFixed32(),
            _ => throw new ProtobufException($"unsupported wire type {wireType}"),
        };
    }

    private ReadOnlySpan<byte> Next(int count)
    {
        if (_position + count > _data.Length)
        {
            throw new ProtobufException("truncated protobuf message");
        }

        var span = _data.Slice(_position, count);
        _position += count;
        return span;
    }
}
