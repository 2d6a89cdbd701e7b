using System.Globalization;
using System.Text;

namespace KubeCloud.ControllerRuntime.Client;

/// <summary>Builds a URL query, skipping null values.</summary>
internal sealed class QueryString
{
    private readonly StringBuilder _text = new();

    public QueryString Add(string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            _text.Append(_text.Length == 0 ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
        }

        return this;
    }

    public QueryString Add(string name, int? value) => Add(name, value?.ToString(CultureInfo.InvariantCulture));

    public QueryString Add(string name, bool value) => value ? Add(name, "true") : this;

    public QueryString AddWrite(WriteOptions? options)
    {
        if (options is null)
        {
            return this;
        }

        Add("dryRun", options.DryRun ? "All" : null);
        Add("fieldManager", options.FieldManager);
        Add("fieldValidation", options.FieldValidation);
        if (options is PatchOptions patch)
        {
            Add("force", patch.Force);
        }

        return this;
    }

    public override string ToString() => _text.ToString();
}
