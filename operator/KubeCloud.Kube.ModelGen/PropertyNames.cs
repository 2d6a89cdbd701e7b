using System.Text;

namespace KubeCloud.Kube.ModelGen;

/// <summary>
/// Turns a JSON property name into a C# property name: split at every character that cannot be part of an
/// identifier, upper-case the first letter of each piece and join them (<c>apiVersion</c> → <c>ApiVersion</c>,
/// <c>$ref</c> → <c>Ref</c>, <c>x-kubernetes-int-or-string</c> → <c>XKubernetesIntOrString</c>).
/// A name equal to its class gets the suffix <c>Value</c>.
/// </summary>
public static class PropertyNames
{
    /// <summary>The C# name of <paramref name="jsonName"/> inside class <paramref name="className"/>.</summary>
    public static string ToCSharp(string jsonName, string className)
    {
        var builder = new StringBuilder(jsonName.Length);
        var upperNext = true;
        foreach (var character in jsonName)
        {
            if (!char.IsLetterOrDigit(character))
            {
                upperNext = true;
                continue;
            }

            builder.Append(upperNext ? char.ToUpperInvariant(character) : character);
            upperNext = false;
        }

        if (builder.Length == 0 || char.IsDigit(builder[0]))
        {
            builder.Insert(0, 'P');
        }

        var name = builder.ToString();
        return name == className ? name + "Value" : name;
    }
}
