using System.Security.Cryptography;
using System.Text;
using k8s.Models;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;

namespace KubeCloud.Operator.Controllers.Volumes;

/// <summary>
/// Makes a placed Volume's CHAP Secret (<see cref="VolumeChapSecret"/>): a user name derived from the Volume's uid (unique
/// on a shared tgtd) and a random 16-character password, owned by the Volume so garbage collection removes it with the
/// Volume (no blockOwnerDeletion: that would need update on volumes/finalizers and buys nothing here). An existing Secret is
/// kept as it is (its password may already be bound to a target and a guest's disk).
/// </summary>
public sealed class ChapSecretWriter(IKubeClient client)
{
    private const string Alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

    public async Task EnsureAsync(Volume volume, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(volume);
        var secret = new V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Metadata = new V1ObjectMeta
            {
                Name = VolumeChapSecret.NameOf(volume),
                NamespaceProperty = volume.Metadata.NamespaceProperty,
                Labels = new Dictionary<string, string> { [VolumeChapSecret.VolumeLabel] = volume.Metadata.Name },
                OwnerReferences =
                [
                    new V1OwnerReference
                    {
                        ApiVersion = volume.ApiVersion, Kind = volume.Kind, Name = volume.Metadata.Name, Uid = volume.Metadata.Uid,
                        Controller = true,
                    },
                ],
            },
            Type = VolumeChapSecret.Type,
            Data = new Dictionary<string, byte[]>
            {
                [VolumeChapSecret.UsernameKey] = Encoding.UTF8.GetBytes(Username(volume)),
                [VolumeChapSecret.PasswordKey] = Encoding.UTF8.GetBytes(RandomNumberGenerator.GetString(Alphabet, 16)),
            },
        };
        try
        {
            await client.CreateAsync(secret, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (AlreadyExistsException)
        {
        }
    }

    /// <summary>kc + the Volume's uid without dashes: one tgt account per volume, never shared.</summary>
    public static string Username(Volume volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        return "kc" + (volume.Metadata.Uid ?? volume.Metadata.Name).Replace("-", "", StringComparison.Ordinal);
    }
}
