using System.Globalization;
using System.Text.Json;
using KubeCloud.Node.Processes;

namespace KubeCloud.Node.Images;

/// <summary>What <c>qemu-img info --output=json</c> says about a file.</summary>
public sealed record DiskImageInfo(string Format, long VirtualSize, long ActualSize, string? BackingFile, string? BackingFormat)
{
    /// <summary>Parses qemu-img's JSON output.</summary>
    public static DiskImageInfo Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        string? Str(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        long Num(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0;
        var format = Str("format") ?? throw new FormatException("qemu-img info output has no 'format'");
        return new DiskImageInfo(format, Num("virtual-size"), Num("actual-size"), Str("backing-filename"), Str("backing-filename-format"));
    }
}

/// <summary>The qemu-img tool: inspect, convert, and create copy-on-write overlays.</summary>
public sealed class QemuImg(ICommandRunner run)
{
    public async Task<DiskImageInfo> InfoAsync(string path, CancellationToken cancellationToken = default)
    {
        // -U: do not take locks; the file may be a base image in use by running guests.
        var result = await run.RunCheckedAsync("qemu-img", ["info", "-U", "--output=json", path], cancellationToken);
        return DiskImageInfo.Parse(result.StandardOutput);
    }

    public Task ConvertAsync(string source, string sourceFormat, string destination, string destinationFormat, CancellationToken cancellationToken = default)
        => run.RunCheckedAsync("qemu-img", ["convert", "-f", sourceFormat, "-O", destinationFormat, source, destination], cancellationToken);

    /// <summary>Creates a qcow2 overlay backed by <paramref name="baseImage"/>; null size keeps the base's size.</summary>
    public Task CreateOverlayAsync(string baseImage, string baseFormat, string overlay, long? sizeBytes, CancellationToken cancellationToken = default)
    {
        List<string> args = ["create", "-q", "-f", "qcow2", "-F", baseFormat, "-b", baseImage, overlay];
        if (sizeBytes is { } size)
        {
            args.Add(size.ToString(CultureInfo.InvariantCulture));
        }

        return run.RunCheckedAsync("qemu-img", args, cancellationToken);
    }

    /// <summary>
    /// The virtual size of a qcow2 image read from its header (big-endian at offset 24), without running qemu-img: a
    /// node pass over a running server asks it every time. Null when the file is missing or is not qcow2.
    /// </summary>
    public static long? Qcow2VirtualSize(string path)
    {
        Span<byte> header = stackalloc byte[32];
        try
        {
            using var file = File.OpenRead(path);
            file.ReadExactly(header);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or EndOfStreamException)
        {
            return null;
        }

        return header[..4].SequenceEqual(Qcow2Magic) ? (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(header[24..]) : null;
    }

    /// <summary>"QFI\xfb", the first bytes of every qcow2 image.</summary>
    private static ReadOnlySpan<byte> Qcow2Magic => [0x51, 0x46, 0x49, 0xFB];

    /// <summary>Grows a disk image to <paramref name="sizeBytes"/> (<c>qemu-img resize</c>; QEMU's image lock makes it fail while a guest runs on it).</summary>
    public Task ResizeAsync(string path, string format, long sizeBytes, CancellationToken cancellationToken = default)
        => run.RunCheckedAsync("qemu-img", ["resize", "-f", format, path, sizeBytes.ToString(CultureInfo.InvariantCulture)], cancellationToken);

    public Task CreateAsync(string path, string format, long sizeBytes, CancellationToken cancellationToken = default)
        => run.RunCheckedAsync("qemu-img", ["create", "-q", "-f", format, path, sizeBytes.ToString(CultureInfo.InvariantCulture)], cancellationToken);
}
