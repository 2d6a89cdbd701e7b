namespace KubeCloud.Kube.ModelGen;

/// <summary>
/// Names the C# class of every definition the way kubernetes-client/csharp does (after kubernetes-client/gen's
/// preprocessing): keep the last two dotted segments of the definition name (<c>v1.Pod</c>); while two definitions
/// share a shortened name, keep one more segment for each of them (<c>core.v1.Event</c>, <c>events.v1.Event</c>);
/// then drop the dots and upper-case the first letter (<c>V1Pod</c>, <c>Corev1Event</c>, <c>Eventsv1Event</c>).
/// </summary>
public static class ClassNames
{
    /// <summary>Assigns a unique class name to each definition name.</summary>
    public static IReadOnlyDictionary<string, string> Assign(IEnumerable<string> definitionNames)
    {
        var names = definitionNames.ToList();
        var depth = names.ToDictionary(name => name, _ => 2, StringComparer.Ordinal);
        while (true)
        {
            var shortened = names.ToDictionary(name => name, name => Tail(name, depth[name]), StringComparer.Ordinal);
            var conflicting = shortened
                .GroupBy(pair => pair.Value, StringComparer.Ordinal)
                .Where(group => group.Count() > 1)
                .SelectMany(group => group.Select(pair => pair.Key))
                .ToList();
            if (conflicting.Count == 0)
            {
                var result = shortened.ToDictionary(pair => pair.Key, pair => ToClassName(pair.Value), StringComparer.Ordinal);
                var clash = result.GroupBy(pair => pair.Value, StringComparer.OrdinalIgnoreCase).FirstOrDefault(group => group.Count() > 1);
                if (clash is not null)
                {
                    throw new InvalidOperationException($"Class name '{clash.Key}' is produced by several definitions: {string.Join(", ", clash.Select(pair => pair.Key))}.");
                }

                return result;
            }

            foreach (var name in conflicting)
            {
                if (depth[name] >= name.Split('.').Length)
                {
                    throw new InvalidOperationException($"Definition '{name}' cannot be given a unique class name.");
                }

                depth[name]++;
            }
        }
    }

    private static string Tail(string definitionName, int segments)
    {
        var parts = definitionName.Split('.');
        return string.Join('.', parts[^segments..]);
    }

    private static string ToClassName(string shortName)
    {
        var joined = string.Concat(shortName.Split('.', '-'));
        return char.ToUpperInvariant(joined[0]) + joined[1..];
    }
}
