namespace KubeCloud.Kube.Models;

/// <summary>A list kind holding objects of type <typeparamref name="TItem"/>.</summary>
public interface IItems<TItem>
{
    /// <summary>The listed objects.</summary>
    List<TItem>? Items { get; set; }
}
