using System.Text;
using k8s.Models;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;

namespace KubeCloud.Node.Agent.Volumes;

/// <summary>A volume's CHAP user name and password.</summary>
public sealed record ChapCredentials(string Username, string Password);

/// <summary>
/// Reads a Volume's CHAP Secret (<see cref="VolumeChapSecret"/>) with one GET by name: node daemons never list or
/// watch Secrets, so their role needs only <c>get</c> on <c>secrets</c>.
/// </summary>
public sealed class ChapSecretReader(IKubeClient client)
{
    /// <summary>The credentials, or null when the Secret is not there (yet).</summary>
    /// <exception cref="InvalidDataException">The Secret lacks a key or a value is empty.</exception>
    public async Task<ChapCredentials?> ReadAsync(string? @namespace, string name, CancellationToken cancellationToken)
    {
        V1Secret secret;
        try
        {
            secret = await client.GetAsync<V1Secret>(name, @namespace, cancellationToken);
        }
        catch (NotFoundException)
        {
            return null;
        }

        return new ChapCredentials(Value(secret, VolumeChapSecret.UsernameKey), Value(secret, VolumeChapSecret.PasswordKey));
    }

    private static string Value(V1Secret secret, string key)
    {
        if (secret.Data?.TryGetValue(key, out var bytes) == true && bytes is { Length: > 0 })
        {
            return Encoding.UTF8.GetString(bytes);
        }

        if (secret.StringData?.TryGetValue(key, out var text) == true && !string.IsNullOrEmpty(text))
        {
            return text;
        }

        throw new InvalidDataException($"secret {secret.Metadata.NamespaceProperty}/{secret.Metadata.Name}: key {key} is missing or empty");
    }
}
