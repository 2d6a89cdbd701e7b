using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using k8s;
using k8s.Models;
using KubeCloud.ControllerRuntime.Authorization;
using Microsoft.AspNetCore.Http;

namespace KubeCloud.ControllerRuntime.Tests;

/// <summary>
/// Front-proxy (request-header) authentication as an aggregated API server does it: the proxy's client certificate must
/// chain to the requestheader CA with client-auth usage and carry an allowed common name; the user, groups and extras
/// come from the headers; the settings come from the ConfigMap kube-apiserver publishes.
/// </summary>
public sealed class RequestHeaderAuthenticatorTests : IDisposable
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private readonly X509Certificate2 _ca = Ca("front-proxy-ca");
    private readonly X509Certificate2 _otherCa = Ca("someone-else");
    private readonly RequestHeaderAuthenticator _authenticator = new(new Kubernetes(new KubernetesClientConfiguration { Host = "http://127.0.0.1:1" }));

    public void Dispose()
    {
        _ca.Dispose();
        _otherCa.Dispose();
        _authenticator.Dispose();
    }

    public static TheoryData<string, string, bool, bool, string[], string?> Certificates => new()
    {
        { "the proxy's certificate", "front-proxy-client", true, true, ["front-proxy-client"], null },
        { "any name when none is listed", "anyone", true, true, [], null },
        { "a name not allowed", "mallory", true, true, ["front-proxy-client"], "common name \"mallory\" is not in requestheader-allowed-names" },
        { "signed by another CA", "front-proxy-client", false, true, ["front-proxy-client"], "does not verify as a client certificate of the front-proxy CA" },
        { "a server certificate (no client-auth usage)", "front-proxy-client", true, false, ["front-proxy-client"], "does not verify as a client certificate of the front-proxy CA" },
    };

    [Theory]
    [MemberData(nameof(Certificates))]
    public void A_client_certificate_is_accepted_only_from_the_front_proxy(string name, string commonName, bool signedByFrontProxyCa, bool clientAuth, string[] allowed, string? refusal)
    {
        using var certificate = Leaf(signedByFrontProxyCa ? _ca : _otherCa, commonName, clientAuth);
        var settings = new RequestHeaderSettings { ClientCa = [_ca], AllowedNames = allowed };
        var failure = _authenticator.Verify(settings, certificate);
        if (refusal is null)
        {
            Assert.True(failure is null, $"{name}: refused: {failure}");
        }
        else
        {
            Assert.True(failure?.Contains(refusal, StringComparison.Ordinal) == true, $"{name}: expected a refusal with '{refusal}', got '{failure}'");
        }
    }

    [Fact]
    public void The_user_groups_and_extras_come_from_the_headers()
    {
        var headers = new HeaderDictionary
        {
            ["X-Remote-User"] = "bob",
            ["X-Remote-Group"] = new Microsoft.Extensions.Primitives.StringValues(["kubecloud-users", "system:authenticated"]),
            ["X-Remote-Extra-Scopes"] = new Microsoft.Extensions.Primitives.StringValues(["a", "b"]),
            ["X-Remote-Extra-Example.com%2fteam"] = "blue",
            ["Authorization"] = "Bearer ignored",
        };
        var identity = RequestHeaderAuthenticator.Identify(new RequestHeaderSettings { ClientCa = [_ca] }, headers);
        Assert.Null(identity.Error);
        Assert.Equal("bob", identity.User!.Username);
        Assert.Equal(["kubecloud-users", "system:authenticated"], identity.User.Groups);
        Assert.Equal(["a", "b"], identity.User.Extra["scopes"]);
        Assert.Equal(["blue"], identity.User.Extra["example.com/team"]);
    }

    [Fact]
    public void A_request_that_names_no_user_is_refused()
    {
        var identity = RequestHeaderAuthenticator.Identify(new RequestHeaderSettings { ClientCa = [_ca] }, new HeaderDictionary { ["X-Remote-Group"] = "system:masters" });
        Assert.Null(identity.User);
        Assert.Contains("named no user (X-Remote-User)", identity.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_settings_are_read_from_kube_apiservers_configmap()
    {
        var settings = RequestHeaderSettings.FromConfigMap(new V1ConfigMap
        {
            Data = new Dictionary<string, string>
            {
                [RequestHeaderSettings.ClientCaKey] = _ca.ExportCertificatePem(),
                [RequestHeaderSettings.AllowedNamesKey] = "[\"front-proxy-client\"]",
                [RequestHeaderSettings.UsernameHeadersKey] = "[\"X-Remote-User\"]",
                [RequestHeaderSettings.GroupHeadersKey] = "[\"X-Remote-Group\"]",
                [RequestHeaderSettings.ExtraHeaderPrefixesKey] = "[\"X-Remote-Extra-\"]",
            },
        });
        Assert.Equal(_ca.Thumbprint, Assert.Single(settings.ClientCa).Thumbprint);
        Assert.Equal(["front-proxy-client"], settings.AllowedNames);
        Assert.Equal(["X-Remote-Extra-"], settings.ExtraHeaderPrefixes);
    }

    public static TheoryData<string, string, string?, string> BadConfigMaps => new()
    {
        { "no CA", "allowed", "[\"x\"]", "has no requestheader-client-ca-file" },
        { "a list that is not JSON", RequestHeaderSettings.AllowedNamesKey, "front-proxy-client", "key requestheader-allowed-names: must be a JSON array of strings" },
    };

    [Theory]
    [MemberData(nameof(BadConfigMaps))]
    public void A_configmap_it_cannot_use_is_refused_naming_the_key(string name, string key, string? value, string message)
    {
        var data = new Dictionary<string, string> { [key] = value! };
        if (key != "allowed")
        {
            data[RequestHeaderSettings.ClientCaKey] = _ca.ExportCertificatePem();
        }

        var error = Assert.Throws<FormatException>(() => RequestHeaderSettings.FromConfigMap(new V1ConfigMap { Data = data }));
        Assert.True(error.Message.Contains(message, StringComparison.Ordinal), $"{name}: {error.Message}");
    }

    private static X509Certificate2 Ca(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        return request.CreateSelfSigned(Now.AddMinutes(-5), Now.AddDays(1));
    }

    private static X509Certificate2 Leaf(X509Certificate2 ca, string commonName, bool clientAuth)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(clientAuth ? "1.3.6.1.5.5.7.3.2" : "1.3.6.1.5.5.7.3.1")], false));
        using var signed = request.Create(ca, Now.AddMinutes(-5), Now.AddHours(1), [1, 2, 3, 4]);
        return signed.CopyWithPrivateKey(key);
    }
}
