namespace KubeCloud.Kube.Models;

/// <summary>An object with a desired state (<c>spec</c>).</summary>
public interface ISpec<TSpec>
    where TSpec : class
{
    /// <summary>The desired state.</summary>
    TSpec? Spec { get; set; }
}
