namespace KubeCloud.ApiServer.Serialization.Protobuf;

/// <summary>
/// One message of the tables: its fields by number and by JSON name. A message whose JSON is not an
/// object of its fields (Time, Quantity, IntOrString...) has a <see cref="ProtoSpecial"/> encoding.
/// </summary>
public sealed class ProtoMessage
{
    private readonly Dictionary<int, ProtoField> _byNumber = [];
    private readonly Dictionary<string, ProtoField> _byJsonName = new(StringComparer.Ordinal);
    private HashSet<string>? _jsonNames;

    public ProtoMessage(string fullName)
    {
        FullName = fullName;
        Special = ProtoSpecials.Of(fullName);
    }

    public string FullName { get; }

    public string Name => FullName[(FullName.LastIndexOf('.') + 1)..];

    public ProtoSpecial Special { get; }

    /// <summary>Fields in number order, as Go marshals them.</summary>
    public List<ProtoField> Fields { get; } = [];

    public ProtoField? Field(int number) => _byNumber.GetValueOrDefault(number);

    public ProtoField? FieldByJsonName(string name) => _byJsonName.GetValueOrDefault(name);

    /// <summary>Every JSON property this message's object may have, through inline fields too.</summary>
    public IReadOnlySet<string> JsonNames => _jsonNames ??= CollectJsonNames();

    internal void Add(ProtoField field)
    {
        if (!_byNumber.TryAdd(field.Number, field))
        {
            throw new FormatException($"{FullName}: field number {field.Number} twice");
        }

        Fields.Add(field);
        if (!field.Inline)
        {
            _byJsonName[field.JsonName] = field;
        }
    }

    private HashSet<string> CollectJsonNames()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var field in Fields)
        {
            if (field.Inline && field.Message is { } inline)
            {
                names.UnionWith(inline.JsonNames);
            }
            else
            {
                names.Add(field.JsonName);
            }
        }

        return names;
    }

    public override string ToString() => FullName;
}
