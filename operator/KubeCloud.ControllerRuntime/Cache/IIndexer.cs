namespace KubeCloud.ControllerRuntime.Cache;

/// <summary>A read-only view of an informer's cache, with secondary indexes.</summary>
public interface IIndexer<T>
    where T : class
{
    int Count { get; }

    /// <summary>The object with this key (<c>namespace/name</c> or <c>name</c>), or null.</summary>
    T? Get(string key);

    /// <summary>The object with this namespace and name, or null.</summary>
    T? Get(string? @namespace, string name);

    IReadOnlyList<T> List();

    IReadOnlyList<T> ListByNamespace(string @namespace);

    /// <summary>Objects whose index function returned <paramref name="value"/> for index <paramref name="indexName"/>.</summary>
    IReadOnlyList<T> ByIndex(string indexName, string value);

    /// <summary>The values an index currently holds.</summary>
    IReadOnlyList<string> IndexValues(string indexName);
}
