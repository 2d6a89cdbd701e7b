using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Http;
using KubeCloud.ApiServer.Resources;
using KubeCloud.ApiServer.Storage;

namespace KubeCloud.ApiServer.Crds;

/// <summary>
/// Serves the custom resources of CustomResourceDefinitions: registers them as soon as the CRD is
/// stored (synchronously, so that a client sees them in discovery right after its create returns),
/// marks the CRD NamesAccepted and Established, and adds the cleanup finalizer that removes every
/// custom resource when the CRD is deleted.
/// </summary>
public sealed class CrdController
{
    public const string CleanupFinalizer = "customresourcecleanup.apiextensions.k8s.io";

    private readonly ObjectStore _store;
    private readonly ResourceRegistry _resources;

    public CrdController(ObjectStore store, ResourceRegistry resources)
    {
        _store = store;
        _resources = resources;
    }

    public void OnCommitted(StoreEvent change)
    {
        if (change.Resource != CustomResourceTypes.Definitions)
        {
            return;
        }

        var crd = change.Object.Object;
        if (change.Type == StoreEvent.Deleted)
        {
            _resources.SetCustomResources(crd.Name(), []);
            return;
        }

        _resources.SetCustomResources(crd.Name(), CustomResourceTypes.From(crd));
        if (!crd.IsDeleting())
        {
            EnsureEstablished(change.Object);
        }
    }

    private void EnsureEstablished(StoredObject stored)
    {
        var crd = stored.Copy();
        var changed = false;
        var finalizers = crd.Finalizers();
        if (!finalizers.Contains(CleanupFinalizer))
        {
            finalizers.Add(CleanupFinalizer);
            crd.SetFinalizers(finalizers);
            changed = true;
        }

        var spec = crd["spec"] as JsonObject;
        var storage = (spec?["versions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(v => (bool?)v["storage"] == true)?["name"]?.ToString();
        var status = crd["status"] as JsonObject ?? [];
        var storedVersions = status["storedVersions"] as JsonArray ?? [];
        if (storage is not null && !storedVersions.Any(v => (string?)v == storage))
        {
            storedVersions.Add(storage);
            changed = true;
        }

        if (!JsonNode.DeepEquals(status["acceptedNames"], spec?["names"]))
        {
            status["acceptedNames"] = spec?["names"]?.DeepClone();
            changed = true;
        }

        var conditions = status["conditions"] as JsonArray ?? [];
        foreach (var (type, reason, message) in new[] { ("NamesAccepted", "NoConflicts", "no conflicts found"), ("Established", "InitialNamesAccepted", "the initial names have been accepted") })
        {
            if (!conditions.Any(c => (string?)c?["type"] == type && (string?)c?["status"] == "True"))
            {
                conditions.Add(new JsonObject { ["type"] = type, ["status"] = "True", ["lastTransitionTime"] = ObjectMetadata.Now(), ["reason"] = reason, ["message"] = message });
                changed = true;
            }
        }

        if (!changed)
        {
            return;
        }

        status["conditions"] = conditions;
        status["storedVersions"] = storedVersions;
        crd["status"] = status;
        crd.Metadata().Remove("resourceVersion");
        try
        {
            _store.Update(CustomResourceTypes.Definitions, crd, stored.Revision);
        }
        catch (ApiException e) when (e.Code is 409 or 404)
        {
            // A newer write wins; its commit runs this again.
        }
    }
}
