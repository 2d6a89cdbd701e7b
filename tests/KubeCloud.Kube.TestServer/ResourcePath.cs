namespace KubeCloud.Kube.TestServer;

/// <summary>A parsed API path: <c>/api/v1|/apis/{g}/{v}</c>, optional <c>namespaces/{ns}</c>, plural, name, subresource.</summary>
public sealed record ResourcePath(string Collection, string? Namespace, string? Name, string? Subresource)
{
    public static ResourcePath? Parse(string path)
    {
        var segments = path.Trim('/').Split('/');
        int index;
        string prefix;
        if (segments.Length >= 3 && segments[0] == "api")
        {
            prefix = "/api/" + segments[1];
            index = 2;
        }
        else if (segments.Length >= 4 && segments[0] == "apis")
        {
            prefix = $"/apis/{segments[1]}/{segments[2]}";
            index = 3;
        }
        else
        {
            return null;
        }

        string? ns = null;
        if (segments.Length > index + 2 && segments[index] == "namespaces")
        {
            ns = Uri.UnescapeDataString(segments[index + 1]);
            index += 2;
        }

        var plural = segments[index];
        var name = segments.Length > index + 1 ? Uri.UnescapeDataString(segments[index + 1]) : null;
        var subresource = segments.Length > index + 2 ? segments[index + 2] : null;
        return new ResourcePath($"{prefix}/{plural}", ns, name, subresource);
    }
}
