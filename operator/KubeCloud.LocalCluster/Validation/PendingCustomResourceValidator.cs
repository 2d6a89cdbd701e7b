using System.Text.Json.Nodes;
using KubeCloud.LocalCluster.Resources;

namespace KubeCloud.LocalCluster.Validation;

/// <summary>
/// SEAM (until KubeCloud.Crds' structural-schema validator is merged): accepts custom resources as
/// they are, without pruning, defaulting or validation. Replaced by the KubeCloud.Crds adapter.
/// </summary>
public sealed class PendingCustomResourceValidator : ICustomResourceValidator
{
    public CustomResourceCheck Check(CustomResourceVersion version, JsonObject obj, JsonObject? old) => CustomResourceCheck.Clean;

    public IReadOnlyList<string> Warnings(JsonObject crd) => [];
}
