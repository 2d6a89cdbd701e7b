using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using k8s;
using k8s.Models;

namespace KubeCloud.ControllerRuntime.Client;

/// <summary>
/// Reads a watch response body: newline-delimited JSON objects <c>{"type":..., "object":...}</c>, parsed one line
/// at a time as bytes arrive. ERROR events are thrown (410 as <see cref="GoneException"/>).
/// </summary>
public static class WatchStreamReader
{
    /// <summary>Parses the events of <paramref name="stream"/> until it ends.</summary>
    public static async IAsyncEnumerable<WatchEvent<T>> ReadAsync<T>(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, leaveOpen: true));
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var buffer = result.Buffer;
                var events = new List<WatchEvent<T>>();
                KubeApiException? error = null;
                while (error is null && TryReadLine(ref buffer, out var line))
                {
                    if (!IsBlank(line))
                    {
                        try
                        {
                            events.Add(ParseLine<T>(line));
                        }
                        catch (KubeApiException ex)
                        {
                            // An ERROR event: deliver the events before it, then throw.
                            error = ex;
                        }
                    }
                }

                if (error is null && result.IsCompleted && !buffer.IsEmpty && !IsBlank(buffer))
                {
                    try
                    {
                        events.Add(ParseLine<T>(buffer));
                    }
                    catch (KubeApiException ex)
                    {
                        error = ex;
                    }

                    buffer = buffer.Slice(buffer.End);
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                foreach (var e in events)
                {
                    yield return e;
                }

                if (error is not null)
                {
                    throw error;
                }

                if (result.IsCompleted)
                {
                    yield break;
                }
            }
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Parses one watch line in a single pass: the object is deserialized straight from the reader (no DOM); only when
    /// "object" comes before "type" is its slice read a second time.
    /// </summary>
    public static WatchEvent<T> ParseLine<T>(ReadOnlySequence<byte> line)
    {
        var reader = new Utf8JsonReader(line);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("A watch event must be a JSON object.");
        }

        string? type = null;
        T? obj = default;
        V1Status? status = null;
        var objectStart = -1L;
        var objectEnd = -1L;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                type = reader.GetString();
            }
            else if (reader.ValueTextEquals("object"u8))
            {
                reader.Read();
                if (type is null)
                {
                    objectStart = reader.TokenStartIndex;
                    reader.Skip();
                    objectEnd = reader.BytesConsumed;
                }
                else if (type == "ERROR")
                {
                    status = JsonSerializer.Deserialize(ref reader, KubernetesJsonOptions.TypeInfo<V1Status>());
                }
                else
                {
                    obj = JsonSerializer.Deserialize(ref reader, KubernetesJsonOptions.TypeInfo<T>());
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (type is null)
        {
            throw new JsonException("A watch event must have a \"type\".");
        }

        if (objectStart >= 0)
        {
            var slice = new Utf8JsonReader(line.Slice(objectStart, objectEnd - objectStart));
            if (type == "ERROR")
            {
                status = JsonSerializer.Deserialize(ref slice, KubernetesJsonOptions.TypeInfo<V1Status>());
            }
            else
            {
                obj = JsonSerializer.Deserialize(ref slice, KubernetesJsonOptions.TypeInfo<T>());
            }
        }

        if (type == "ERROR")
        {
            var code = status?.Code is int c && c > 0 ? (HttpStatusCode)c : HttpStatusCode.InternalServerError;
            throw KubeApiException.From(code, status);
        }

        var eventType = type switch
        {
            "ADDED" => WatchEventType.Added,
            "MODIFIED" => WatchEventType.Modified,
            "DELETED" => WatchEventType.Deleted,
            "BOOKMARK" => WatchEventType.Bookmark,
            _ => throw new JsonException($"Unknown watch event type '{type}'."),
        };
        return new WatchEvent<T>(eventType, obj ?? throw new JsonException($"The {type} event carries no object."));
    }

    /// <summary>Parses one watch line given as text.</summary>
    public static WatchEvent<T> ParseLine<T>(string line) =>
        ParseLine<T>(new ReadOnlySequence<byte>(System.Text.Encoding.UTF8.GetBytes(line)));

    private static bool TryReadLine(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> line)
    {
        var position = buffer.PositionOf((byte)'\n');
        if (position is null)
        {
            line = default;
            return false;
        }

        line = buffer.Slice(0, position.Value);
        buffer = buffer.Slice(buffer.GetPosition(1, position.Value));
        return true;
    }

    private static bool IsBlank(ReadOnlySequence<byte> line)
    {
        foreach (var segment in line)
        {
            foreach (var b in segment.Span)
            {
                if (b is not ((byte)' ' or (byte)'\r' or (byte)'\t'))
                {
                    return false;
                }
            }
        }

        return true;
    }
}
