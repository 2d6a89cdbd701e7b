using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace KubeCloud.ApiServer.Serialization.Protobuf;

/// <summary>Writes the protobuf wire format; nested messages are written to a child writer, then length-prefixed.</summary>
public sealed class ProtoWireWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new(256);

    public int Length => _buffer.WrittenCount;

    public ReadOnlySpan<byte> Written => _buffer.WrittenSpan;

    public void Tag(int number, int wireType) => Varint(((ulong)number << 3) | (uint)wireType);

    public void Varint(ulong value)
    {
        var span = _buffer.GetSpan(10);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        _buffer.Advance(i);
    }

    public void Fixed32(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
    }

    public void Fixed64(ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
    }

    public void LengthDelimited(int number, ReadOnlySpan<byte> bytes)
    {
        Tag(number, 2);
        Varint((ulong)bytes.Length);
        _buffer.Write(bytes);
    }

    public void String(int number, string value) => LengthDelimited(number, Encoding.UTF8.GetBytes(value));

    public void VarintField(int number, ulong value)
    {
        Tag(number, 0);
        Varint(value);
    }

    public void Message(int number, Action<ProtoWireWriter> write)
    {
        var child = new ProtoWireWriter();
        write(child);
        LengthDelimited(number, child.Written);
    }

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();
}
