using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace KubeCloud.Kube.Config;

/// <summary>
/// Runs a client-go credential plugin (<c>users[].user.exec</c>) and reads the ExecCredential it prints
/// (client.authentication.k8s.io/v1 or v1beta1). The token is cached until its <c>expirationTimestamp</c>
/// (for ever when it has none) or until a 401 invalidates it.
/// </summary>
public sealed class ExecCredentialProvider : ICredentialProvider, IDisposable
{
    private readonly ExecConfig _config;
    private readonly string? _baseDirectory;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private string? _token;
    private DateTimeOffset? _expiresAt;

    public ExecCredentialProvider(ExecConfig config, string? baseDirectory = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config;
        _baseDirectory = baseDirectory;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>How many times the plugin has run (for tests and diagnostics).</summary>
    public int Invocations { get; private set; }

    public async ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_token is not null && (_expiresAt is null || _expiresAt > _time.GetUtcNow()))
            {
                return _token;
            }

            var credential = await RunAsync(cancellationToken).ConfigureAwait(false);
            _token = credential.Status?.Token
                ?? throw new InvalidOperationException($"The credential plugin '{_config.Command}' printed no status.token.");
            _expiresAt = credential.Status.ExpirationTimestamp;
            return _token;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    public void Invalidate()
    {
        _token = null;
        _expiresAt = null;
    }

    private async Task<ExecCredential> RunAsync(CancellationToken cancellationToken)
    {
        var apiVersion = _config.ApiVersion ?? "client.authentication.k8s.io/v1";
        var start = new ProcessStartInfo
        {
            FileName = ResolveCommand(_config.Command),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        foreach (var arg in _config.Args ?? [])
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var variable in _config.Env ?? [])
        {
            start.Environment[variable.Name] = variable.Value;
        }

        start.Environment["KUBERNETES_EXEC_INFO"] =
            "{\"apiVersion\":\"" + apiVersion + "\",\"kind\":\"ExecCredential\",\"spec\":{\"interactive\":false}}";

        using var process = Process.Start(start)
            ?? throw new InvalidOperationException($"Could not start the credential plugin '{_config.Command}'.");
        Invocations++;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        var output = await stdout.ConfigureAwait(false);
        var errors = await stderr.ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"The credential plugin '{_config.Command}' exited with {process.ExitCode}: {errors.Trim()} {_config.InstallHint}".Trim());
        }

        var credential = JsonSerializer.Deserialize<ExecCredential>(output)
            ?? throw new InvalidOperationException($"The credential plugin '{_config.Command}' printed no ExecCredential.");
        if (credential.ApiVersion is not null && credential.ApiVersion != apiVersion)
        {
            throw new InvalidOperationException(
                $"The credential plugin '{_config.Command}' answered with {credential.ApiVersion}, expected {apiVersion}.");
        }

        return credential;
    }

    private string ResolveCommand(string command)
    {
        // As client-go: a command with a path separator is relative to the kubeconfig that names it; a bare name is looked up on PATH.
        if (_baseDirectory is not null && command.Contains('/', StringComparison.Ordinal) && !System.IO.Path.IsPathRooted(command))
        {
            return System.IO.Path.GetFullPath(System.IO.Path.Combine(_baseDirectory, command));
        }

        return command;
    }

    private sealed class ExecCredential
    {
        [JsonPropertyName("apiVersion")]
        public string? ApiVersion { get; set; }

        [JsonPropertyName("status")]
        public ExecCredentialStatus? Status { get; set; }
    }

    private sealed class ExecCredentialStatus
    {
        [JsonPropertyName("token")]
        public string? Token { get; set; }

        [JsonPropertyName("expirationTimestamp")]
        public DateTimeOffset? ExpirationTimestamp { get; set; }
    }
}
