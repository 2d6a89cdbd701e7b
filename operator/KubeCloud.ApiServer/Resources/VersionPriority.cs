using System.Text.RegularExpressions;

namespace KubeCloud.ApiServer.Resources;

/// <summary>Kubernetes version ordering: GA before beta before alpha, higher numbers first (v2, v1, v1beta2, v1beta1, v1alpha1).</summary>
public static partial class VersionPriority
{
    [GeneratedRegex(@"^v(\d+)(?:(alpha|beta)(\d+))?$")]
    private static partial Regex KubeVersion();

    /// <summary>Negative when <paramref name="a"/> is preferred over <paramref name="b"/>.</summary>
    public static int Compare(string a, string b)
    {
        var (ka, kb) = (Key(a), Key(b));
        var result = kb.CompareTo(ka);
        return result != 0 ? result : string.CompareOrdinal(a, b);
    }

    private static (int Known, int Stability, int Major, int Minor) Key(string version)
    {
        var match = KubeVersion().Match(version);
        if (!match.Success)
        {
            return (0, 0, 0, 0);
        }

        var stability = match.Groups[2].Value switch { "" => 3, "beta" => 2, _ => 1 };
        return (1, stability, int.Parse(match.Groups[1].Value), match.Groups[3].Success ? int.Parse(match.Groups[3].Value) : 0);
    }
}
