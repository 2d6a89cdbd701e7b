namespace KubeCloud.Crds.Generation;

/// <summary>The API types cannot be turned into a valid CRD; the message names the type and field.</summary>
public sealed class CrdGenerationException : Exception
{
    public CrdGenerationException()
    {
    }

    public CrdGenerationException(string message)
        : base(message)
    {
    }

    public CrdGenerationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
