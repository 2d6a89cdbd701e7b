using System.Text;

namespace KubeCloud.ApiServer.Security;

/// <summary>
/// Bearer tokens the server issued (the admin token, <c>AddUser</c> tokens, later bound service-account
/// tokens), kept so that they outlive a restart: with a data directory, one JSON line per token appended to
/// <c>tokens.jsonl</c> (owner-only) and flushed to disk before the token is handed out; without one, nothing
/// is written. Token-file users are not stored: their file is read again at each start.
/// A token with <see cref="TokenRecord.ExpiresAt"/> in the past is not loaded.
/// </summary>
public sealed class TokenStore
{
    public const string FileName = "tokens.jsonl";

    private readonly string? _path;
    private readonly Lock _gate = new();

    /// <param name="directory">Where tokens.jsonl lives; null keeps tokens in memory only.</param>
    public TokenStore(string? directory)
    {
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
            _path = Path.Combine(directory, FileName);
        }
    }

    /// <summary>The stored tokens that have not expired, oldest first. A torn last line (a crash while appending) is skipped.</summary>
    public IReadOnlyList<TokenRecord> Load()
    {
        if (_path is null || !File.Exists(_path))
        {
            return [];
        }

        var now = DateTimeOffset.UtcNow;
        var records = new List<TokenRecord>();
        foreach (var line in File.ReadAllLines(_path))
        {
            if (TokenRecord.TryParse(line) is { } record && !(record.ExpiresAt <= now))
            {
                records.Add(record);
            }
        }

        return records;
    }

    /// <summary>Keeps a token; returns once it is on disk.</summary>
    public void Add(TokenRecord record)
    {
        if (_path is null)
        {
            return;
        }

        var line = Encoding.UTF8.GetBytes(record.ToJson() + "\n");
        lock (_gate)
        {
            using var file = OwnerOnlyFile.OpenWrite(_path, FileMode.Append);
            file.Write(line);
            file.Flush(flushToDisk: true);
        }
    }
}
