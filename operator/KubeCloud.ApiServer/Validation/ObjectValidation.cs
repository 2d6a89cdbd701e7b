using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Http;
using KubeCloud.ApiServer.Resources;
using KubeCloud.ApiServer.Storage;

namespace KubeCloud.ApiServer.Validation;

/// <summary>
/// Everything an object must pass before it is stored: its schema (the OpenAPI definition of a
/// built-in, the CRD schema of a custom resource: pruning, defaulting, validation), fieldValidation
/// for unknown fields, metadata rules and the few semantic rules of built-ins the project relies on.
/// </summary>
public sealed class ObjectValidation
{
    private readonly BuiltInSchemaValidator _builtIns = new();
    private readonly ICustomResourceValidator _custom;

    public ObjectValidation(ICustomResourceValidator custom)
    {
        _custom = custom;
    }

    public ICustomResourceValidator Custom => _custom;

    public void Validate(ResourceType type, JsonObject obj, JsonObject? old, WriteOptions options)
    {
        var errors = new List<FieldError>();
        IReadOnlyList<string> unknown;
        if (type.Custom is { } version)
        {
            var check = _custom.Check(version, obj, old);
            unknown = check.UnknownFields;
            errors.AddRange(check.Errors);
        }
        else
        {
            var check = _builtIns.Check(type, obj);
            if (check.DecodeError is not null)
            {
                throw ApiException.BadRequest(check.DecodeError);
            }

            unknown = check.UnknownFields;
            errors.AddRange(check.Errors);
            errors.AddRange(BuiltInRules.Validate(type, obj));
            if (type.GroupResource == Crds.CustomResourceTypes.Definitions)
            {
                errors.AddRange(Crds.CrdRules.Validate(obj));
                options.Warnings.AddRange(_custom.Warnings(obj));
            }
        }

        ReportUnknownFields(unknown, options);
        errors.InsertRange(0, ObjectMetaValidator.Validate(type, obj));
        if (errors.Count > 0)
        {
            throw ApiException.Invalid(type.Kind, type.Group, obj.Name(), errors);
        }
    }

    private static void ReportUnknownFields(IReadOnlyList<string> unknown, WriteOptions options)
    {
        if (unknown.Count == 0)
        {
            return;
        }

        switch (options.FieldValidation)
        {
            case "Strict":
                throw ApiException.BadRequest("strict decoding error: " + string.Join(", ", unknown.Select(f => $"unknown field \"{f}\"")));
            case "Warn":
                options.Warnings.AddRange(unknown.Select(f => $"unknown field \"{f}\""));
                break;
        }
    }
}
