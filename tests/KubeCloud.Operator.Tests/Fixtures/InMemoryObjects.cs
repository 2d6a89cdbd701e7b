using k8s.Models;
using KubeCloud.Operator.Admission;

namespace KubeCloud.Operator.Tests.Fixtures;

/// <summary>An <see cref="IObjectLookup"/> over a list of objects, as the informer caches would answer.</summary>
internal sealed class InMemoryObjects : IObjectLookup
{
    private readonly List<object> _objects = [];

    public InMemoryObjects(params object[] objects) => _objects.AddRange(objects);

    public InMemoryObjects Add(params object[] objects)
    {
        _objects.AddRange(objects);
        return this;
    }

    public T? Get<T>(string? @namespace, string name)
        where T : class => _objects.OfType<T>().FirstOrDefault(o => Meta(o).Name == name && Meta(o).NamespaceProperty == @namespace);

    public IReadOnlyList<T> List<T>(string? @namespace)
        where T : class => [.. _objects.OfType<T>().Where(o => @namespace is null || Meta(o).NamespaceProperty == @namespace)];

    private static V1ObjectMeta Meta(object o) => ((IMetadata<V1ObjectMeta>)o).Metadata!;
}
