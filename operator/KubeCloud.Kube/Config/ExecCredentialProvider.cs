using System.ComponentModel;
using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace KubeCloud.Kube.Config;

/// <summary>
/// Runs a client-go credential plugin (<c>users[].user.exec</c>) and reads the ExecCredential it prints
/// (client.authentication.k8s.io/v1 or v1beta1): a bearer <c>status.token</c>, a client certificate
/// (<c>status.clientCertificateData</c> + <c>clientKeyData</c>, presented over TLS through
/// <see cref="IClientCertificateSource"/>), or both. The credential is cached until its <c>expirationTimestamp</c>
/// (for ever when it has none) or until a 401 invalidates it; the plugin then runs again, and a changed certificate
/// closes the connections made with the old one.
/// <para>
/// <c>KUBERNETES_EXEC_INFO</c> carries <c>spec.interactive</c> (<c>interactiveMode</c>: Never, IfAvailable (the
/// default) or Always, interactive only when standard input is a terminal) and, with <c>provideClusterInfo</c>,
/// <c>spec.cluster</c> (server, tls-server-name, insecure-skip-tls-verify, certificate-authority-data, proxy-url).
/// </para>
/// </summary>
public sealed class ExecCredentialProvider : ICredentialProvider, IClientCertificateSource, IDisposable
{
    private static readonly JsonSerializerOptions InfoJson = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault };
    private readonly ExecConfig _config;
    private readonly string? _baseDirectory;
    private readonly TimeProvider _time;
    private readonly ExecClusterInfo? _cluster;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _cached;
    private string? _token;
    private DateTimeOffset? _expiresAt;
    private X509Certificate2? _certificate;

    public ExecCredentialProvider(ExecConfig config, string? baseDirectory = null, TimeProvider? time = null, ExecClusterInfo? cluster = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config;
        _baseDirectory = baseDirectory;
        _time = time ?? TimeProvider.System;
        _cluster = cluster;
    }

    public event EventHandler? Rotated;

    /// <summary>How many times the plugin has run (for tests and diagnostics).</summary>
    public int Invocations { get; private set; }

    /// <summary>The client certificate of the last ExecCredential, or null when it carried none.</summary>
    public X509Certificate2? Current => Volatile.Read(ref _certificate);

    /// <summary>Whether standard input is a terminal (decides <c>spec.interactive</c>); replaceable for tests.</summary>
    internal Func<bool> StandardInputIsTerminal { get; init; } = () => !Console.IsInputRedirected;

    public async ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_cached && (_expiresAt is null || _expiresAt > _time.GetUtcNow()))
            {
                return _token;
            }

            var status = (await RunAsync(cancellationToken).ConfigureAwait(false)).Status
                ?? throw new InvalidOperationException($"The credential plugin '{_config.Command}' printed no status.");
            var certificate = CertificateOf(status);
            if (status.Token is null && certificate is null)
            {
                throw new InvalidOperationException(
                    $"The credential plugin '{_config.Command}' printed neither status.token nor status.clientCertificateData and status.clientKeyData.");
            }

            _token = status.Token;
            _expiresAt = status.ExpirationTimestamp;
            _cached = true;
            var previous = Current;
            if (!SameCertificate(previous, certificate))
            {
                Volatile.Write(ref _certificate, certificate);
                if (previous is not null)
                {
                    Rotated?.Invoke(this, EventArgs.Empty);
                }
            }
            else
            {
                certificate?.Dispose();
            }

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
        _cached = false;
        _token = null;
        _expiresAt = null;
    }

    private static bool SameCertificate(X509Certificate2? a, X509Certificate2? b) =>
        a is null ? b is null : b is not null && a.RawDataMemory.Span.SequenceEqual(b.RawDataMemory.Span);

    private X509Certificate2? CertificateOf(ExecCredentialStatus status)
    {
        var hasCertificate = !string.IsNullOrEmpty(status.ClientCertificateData);
        var hasKey = !string.IsNullOrEmpty(status.ClientKeyData);
        if (hasCertificate != hasKey)
        {
            throw new InvalidOperationException(hasCertificate
                ? $"The credential plugin '{_config.Command}' printed status.clientCertificateData without status.clientKeyData."
                : $"The credential plugin '{_config.Command}' printed status.clientKeyData without status.clientCertificateData.");
        }

        if (!hasCertificate)
        {
            return null;
        }

        try
        {
            return ClientCertificates.FromPem(status.ClientCertificateData!, status.ClientKeyData!);
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            throw new InvalidOperationException(
                $"The credential plugin '{_config.Command}' printed a status.clientCertificateData/clientKeyData pair that is not a PEM certificate and its key: {ex.Message}", ex);
        }
    }

    private bool Interactive()
    {
        var mode = _config.InteractiveMode ?? "IfAvailable";
        return mode switch
        {
            "Never" => false,
            "IfAvailable" => StandardInputIsTerminal(),
            "Always" => StandardInputIsTerminal()
                ? true
                : throw new InvalidOperationException(
                    $"The credential plugin '{_config.Command}' has interactiveMode Always, but standard input is not a terminal."),
            _ => throw new InvalidOperationException(
                $"users[].user.exec.interactiveMode: '{mode}' is not one of Never, IfAvailable, Always."),
        };
    }

    private string ExecInfoJson(string apiVersion, bool interactive) => JsonSerializer.Serialize(
        new ExecInfo(apiVersion, "ExecCredential", new ExecInfoSpec(interactive, _config.ProvideClusterInfo ? _cluster : null)), InfoJson);

    private async Task<ExecCredential> RunAsync(CancellationToken cancellationToken)
    {
        var apiVersion = _config.ApiVersion ?? "client.authentication.k8s.io/v1";
        var interactive = Interactive();
        var start = new ProcessStartInfo
        {
            FileName = ResolveCommand(_config.Command),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // Interactive plugins read the user's terminal; the others get a closed standard input.
            RedirectStandardInput = !interactive,
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

        start.Environment["KUBERNETES_EXEC_INFO"] = ExecInfoJson(apiVersion, interactive);

        Process process;
        try
        {
            process = Process.Start(start)
                ?? throw new InvalidOperationException($"Could not start the credential plugin '{_config.Command}'.");
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException(
                $"Could not start the credential plugin '{_config.Command}': {ex.Message}. {_config.InstallHint}".Trim(), ex);
        }

        using (process)
        {
            Invocations++;
            if (!interactive)
            {
                process.StandardInput.Close();
            }

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

            ExecCredential? credential;
            try
            {
                credential = JsonSerializer.Deserialize<ExecCredential>(output);
            }
            catch (JsonException ex)
            {
                throw new InvalidOperationException(
                    $"The credential plugin '{_config.Command}' printed something that is not an ExecCredential: {ex.Message} {errors.Trim()}".Trim(), ex);
            }

            if (credential is null)
            {
                throw new InvalidOperationException($"The credential plugin '{_config.Command}' printed no ExecCredential.");
            }

            if (credential.ApiVersion is not null && credential.ApiVersion != apiVersion)
            {
                throw new InvalidOperationException(
                    $"The credential plugin '{_config.Command}' answered with {credential.ApiVersion}, expected {apiVersion}.");
            }

            return credential;
        }
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

    private sealed record ExecInfo(
        [property: JsonPropertyName("apiVersion")] string ApiVersion,
        [property: JsonPropertyName("kind")] string Kind,
        [property: JsonPropertyName("spec")] ExecInfoSpec Spec);

    private sealed record ExecInfoSpec(
        [property: JsonPropertyName("interactive")]
        [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)]
        bool Interactive,
        [property: JsonPropertyName("cluster")] ExecClusterInfo? Cluster);

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

        [JsonPropertyName("clientCertificateData")]
        public string? ClientCertificateData { get; set; }

        [JsonPropertyName("clientKeyData")]
        public string? ClientKeyData { get; set; }

        [JsonPropertyName("expirationTimestamp")]
        public DateTimeOffset? ExpirationTimestamp { get; set; }
    }
}

/// <summary>
/// What <c>provideClusterInfo: true</c> hands the plugin in <c>KUBERNETES_EXEC_INFO</c>'s <c>spec.cluster</c>
/// (client.authentication.k8s.io Cluster).
/// </summary>
public sealed record ExecClusterInfo
{
    [JsonPropertyName("server")]
    public required string Server { get; init; }

    [JsonPropertyName("tls-server-name")]
    public string? TlsServerName { get; init; }

    [JsonPropertyName("insecure-skip-tls-verify")]
    public bool InsecureSkipTlsVerify { get; init; }

    /// <summary>The PEM bundle, base64-encoded in the JSON (a Go []byte).</summary>
    [JsonPropertyName("certificate-authority-data")]
    public byte[]? CertificateAuthorityData { get; init; }

    [JsonPropertyName("proxy-url")]
    public string? ProxyUrl { get; init; }
}
