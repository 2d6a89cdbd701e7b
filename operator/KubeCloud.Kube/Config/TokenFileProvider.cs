namespace KubeCloud.Kube.Config;

/// <summary>
/// A bearer token read from a file that the kubelet (or anything else) rotates: the file is read again when its
/// modification time changes, when <see cref="MaxAge"/> has passed (client-go re-reads every minute), and after a 401.
/// </summary>
public sealed class TokenFileProvider : ICredentialProvider
{
    private readonly string _path;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private string? _token;
    private DateTime _fileTime;
    private DateTimeOffset _readAt;

    public TokenFileProvider(string path, TimeProvider? time = null)
    {
        _path = path;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>How long a token read from the file is used before the file is read again.</summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromMinutes(1);

    public string Path => _path;

    public ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var fileTime = File.GetLastWriteTimeUtc(_path);
            var now = _time.GetUtcNow();
            if (_token is null || fileTime != _fileTime || now - _readAt >= MaxAge)
            {
                _token = File.ReadAllText(_path).Trim();
                _fileTime = fileTime;
                _readAt = now;
            }

            return ValueTask.FromResult<string?>(_token);
        }
    }

    public void Invalidate()
    {
        lock (_gate)
        {
            _token = null;
        }
    }
}
