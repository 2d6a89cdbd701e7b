using KubeCloud.Kube.Models;

namespace KubeCloud.LocalCluster.Auth;

/// <summary>
/// A compiled metav1.LabelSelector: matchLabels and matchExpressions (In, NotIn, Exists,
/// DoesNotExist), all ANDed. An empty selector matches everything.
/// </summary>
public sealed class LabelSelectorMatch
{
    private readonly KeyValuePair<string, string>[] labels;
    private readonly V1LabelSelectorRequirement[] expressions;

    public LabelSelectorMatch(V1LabelSelector? selector)
    {
        labels = [.. selector?.MatchLabels ?? []];
        expressions = [.. selector?.MatchExpressions ?? []];
        foreach (var expression in expressions)
        {
            if (expression.Operator is not ("In" or "NotIn" or "Exists" or "DoesNotExist"))
            {
                throw new ArgumentException($"\"{expression.Operator}\" is not a valid label selector operator", nameof(selector));
            }
        }
    }

    /// <summary>True when the selector has no terms and so matches everything.</summary>
    public bool IsEmpty => labels.Length == 0 && expressions.Length == 0;

    public bool Matches(IReadOnlyDictionary<string, string>? objectLabels)
    {
        objectLabels ??= new Dictionary<string, string>();
        foreach (var (key, value) in labels)
        {
            if (!objectLabels.TryGetValue(key, out var actual) || actual != value)
            {
                return false;
            }
        }

        foreach (var expression in expressions)
        {
            var key = expression.Key ?? "";
            var has = objectLabels.TryGetValue(key, out var actual);
            var values = expression.Values ?? [];
            var ok = expression.Operator switch
            {
                "In" => has && values.Contains(actual!),
                "NotIn" => !has || !values.Contains(actual!),
                "Exists" => has,
                _ => !has,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}
