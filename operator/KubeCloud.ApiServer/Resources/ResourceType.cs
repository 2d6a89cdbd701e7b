using System.Text.Json.Nodes;

namespace KubeCloud.ApiServer.Resources;

/// <summary>Where objects of a resource live, whatever version they are read in: group and plural.</summary>
public readonly record struct GroupResource(string Group, string Resource)
{
    public override string ToString() => Group.Length == 0 ? Resource : $"{Resource}.{Group}";
}

/// <summary>A subresource such as status or scale, with the kind it answers in.</summary>
public sealed record SubresourceType(string Name, string Group, string Version, string Kind, IReadOnlyList<string> Verbs);

/// <summary>One served resource in one group version, built-in or defined by a CRD.</summary>
public sealed record ResourceType(
    string Group,
    string Version,
    string Kind,
    string Plural,
    bool Namespaced,
    IReadOnlyList<string> Verbs,
    IReadOnlyList<SubresourceType> Subresources)
{
    public string Singular { get; init; } = Kind.ToLowerInvariant();

    public IReadOnlyList<string> ShortNames { get; init; } = [];

    public IReadOnlyList<string> Categories { get; init; } = [];

    /// <summary>The OpenAPI definition name of a built-in kind (null for custom resources).</summary>
    public string? DefinitionName { get; init; }

    /// <summary>The CRD version that defines a custom resource (null for built-ins).</summary>
    public CustomResourceVersion? Custom { get; init; }

    public bool IsCustom => Custom is not null;

    public string ListKind => Custom?.ListKind ?? Kind + "List";

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    public GroupResource GroupResource => new(Group, Plural);

    public bool HasSubresource(string name) => Subresources.Any(s => s.Name == name);

    public bool Supports(string verb) => Verbs.Contains(verb);
}

/// <summary>What a CRD says about one of its versions: schema, printer columns, subresources.</summary>
public sealed record CustomResourceVersion(
    string ListKind,
    JsonObject? Schema,
    IReadOnlyList<PrinterColumn> Columns,
    bool Storage,
    bool HasStatus,
    JsonObject Definition);

/// <summary>An additionalPrinterColumn of a CRD (or a default column of a built-in).</summary>
public sealed record PrinterColumn(string Name, string Type, string JsonPath, string Description = "", int Priority = 0, string Format = "");
