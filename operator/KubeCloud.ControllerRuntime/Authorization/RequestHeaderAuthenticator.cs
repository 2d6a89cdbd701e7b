using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.AspNetCore.Http;

namespace KubeCloud.ControllerRuntime.Authorization;

/// <summary>The user a request was authenticated as, or why it was not (a 401's message).</summary>
public sealed record RequestIdentity(V1UserInfo? User, string? Error)
{
    public static RequestIdentity Failed(string error) => new(null, error);
}

/// <summary>
/// Authenticates requests proxied by the Kubernetes API server's aggregation layer, as an aggregated API server does
/// (k8s.io/apiserver's request-header authenticator): the connection's client certificate must chain to the
/// front-proxy CA of <see cref="RequestHeaderSettings"/> (client-auth usage) and carry an allowed common name; then
/// the user, groups and extras are taken from the headers. The settings are read from the ConfigMap
/// <c>kube-system/extension-apiserver-authentication</c> and read again after <see cref="RefreshInterval"/>, or at
/// once (at most every <see cref="RetryInterval"/>) when a certificate does not verify, so a rotated CA is picked up.
/// </summary>
public sealed class RequestHeaderAuthenticator(IKubernetes kubernetes, TimeProvider? time = null) : IDisposable
{
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly SemaphoreSlim _loading = new(1, 1);
    private (RequestHeaderSettings? Settings, string? Error, DateTimeOffset At)? _loaded;

    public TimeSpan RefreshInterval { get; init; } = TimeSpan.FromMinutes(1);

    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromSeconds(1);

    public async Task<RequestIdentity> AuthenticateAsync(X509Certificate2? certificate, IHeaderDictionary headers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (certificate is null)
        {
            return RequestIdentity.Failed("Unauthorized: no client certificate: this endpoint is reached through the Kubernetes API server (APIService v1alpha1.subresources.kubecloud.io), which authenticates the user");
        }

        var (settings, error) = await SettingsAsync(forceReload: false, cancellationToken).ConfigureAwait(false);
        var failure = settings is null ? error : Verify(settings, certificate);
        if (failure is not null)
        {
            (settings, error) = await SettingsAsync(forceReload: true, cancellationToken).ConfigureAwait(false);
            failure = settings is null ? error : Verify(settings, certificate);
            if (failure is not null)
            {
                return RequestIdentity.Failed("Unauthorized: " + failure);
            }
        }

        return Identify(settings!, headers);
    }

    /// <summary>The user named by the headers of a request whose certificate verified.</summary>
    public static RequestIdentity Identify(RequestHeaderSettings settings, IHeaderDictionary headers)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(headers);
        var user = settings.UsernameHeaders.Select(h => headers[h].FirstOrDefault(v => !string.IsNullOrEmpty(v))).FirstOrDefault(v => v is not null);
        if (user is null)
        {
            return RequestIdentity.Failed($"Unauthorized: the front proxy named no user ({string.Join(", ", settings.UsernameHeaders)})");
        }

        var groups = settings.GroupHeaders.SelectMany(h => headers[h]).OfType<string>().Where(g => g.Length > 0).ToList();
        var extra = new Dictionary<string, IList<string>>(StringComparer.Ordinal);
        foreach (var (name, values) in headers)
        {
            var prefix = settings.ExtraHeaderPrefixes.FirstOrDefault(p => name.Length > p.Length && name.StartsWith(p, StringComparison.OrdinalIgnoreCase));
            if (prefix is null)
            {
                continue;
            }

            var key = Uri.UnescapeDataString(name[prefix.Length..]).ToLowerInvariant();
            if (!extra.TryGetValue(key, out var list))
            {
                extra[key] = list = [];
            }

            foreach (var value in values.OfType<string>())
            {
                list.Add(value);
            }
        }

        return new RequestIdentity(new V1UserInfo { Username = user, Groups = groups, Extra = extra.Count == 0 ? null : extra }, null);
    }

    /// <summary>Null when <paramref name="certificate"/> chains to the front-proxy CA and its common name is allowed; else why not.</summary>
    public string? Verify(RequestHeaderSettings settings, X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(certificate);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(settings.ClientCa);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(ClientAuthOid));
        chain.ChainPolicy.VerificationTime = _time.GetUtcNow().UtcDateTime;
        if (!chain.Build(certificate))
        {
            var why = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
            return $"the client certificate \"{certificate.Subject}\" does not verify as a client certificate of the front-proxy CA ({RequestHeaderSettings.ClientCaKey} of ConfigMap {RequestHeaderSettings.ConfigMapNamespace}/{RequestHeaderSettings.ConfigMapName}){(why.Length > 0 ? ": " + why : string.Empty)}";
        }

        var name = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        if (settings.AllowedNames.Count > 0 && !settings.AllowedNames.Contains(name, StringComparer.Ordinal))
        {
            return $"the client certificate's common name \"{name}\" is not in {RequestHeaderSettings.AllowedNamesKey} ({string.Join(", ", settings.AllowedNames)})";
        }

        return null;
    }

    private async Task<(RequestHeaderSettings? Settings, string? Error)> SettingsAsync(bool forceReload, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (Fresh(_loaded, now, forceReload) is { } current)
        {
            return current;
        }

        await _loading.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            now = _time.GetUtcNow();
            if (Fresh(_loaded, now, forceReload) is { } loadedMeanwhile)
            {
                return loadedMeanwhile;
            }

            try
            {
                var map = await kubernetes.CoreV1.ReadNamespacedConfigMapAsync(RequestHeaderSettings.ConfigMapName, RequestHeaderSettings.ConfigMapNamespace, cancellationToken: cancellationToken).ConfigureAwait(false);
                _loaded = (RequestHeaderSettings.FromConfigMap(map), null, now);
            }
            catch (FormatException e)
            {
                _loaded = (null, e.Message, now);
            }
            catch (HttpOperationException e)
            {
                _loaded = (null, $"ConfigMap {RequestHeaderSettings.ConfigMapNamespace}/{RequestHeaderSettings.ConfigMapName} could not be read ({(int)e.Response.StatusCode}): front-proxy authentication is not configured", now);
            }

            return (_loaded.Value.Settings, _loaded.Value.Error);
        }
        finally
        {
            _loading.Release();
        }
    }

    public void Dispose() => _loading.Dispose();

    private (RequestHeaderSettings?, string?)? Fresh((RequestHeaderSettings? Settings, string? Error, DateTimeOffset At)? loaded, DateTimeOffset now, bool forceReload)
    {
        if (loaded is not { } l)
        {
            return null;
        }

        var age = now - l.At;
        return age < (forceReload ? RetryInterval : RefreshInterval) ? (l.Settings, l.Error) : null;
    }
}
