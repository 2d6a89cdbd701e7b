namespace KubeCloud.Kube.Models;

/// <summary>An object with an observed state (<c>status</c>).</summary>
public interface IStatus<TStatus>
    where TStatus : class
{
    /// <summary>The observed state.</summary>
    TStatus? Status { get; set; }
}
