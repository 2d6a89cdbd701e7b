using System.Threading.Channels;
using KubeCloud.ApiServer.Crds;
using KubeCloud.ApiServer.Http;
using KubeCloud.ApiServer.Resources;
using KubeCloud.ApiServer.Storage;

namespace KubeCloud.ApiServer.Lifecycle;

/// <summary>
/// The controllers kube-controller-manager and apiextensions run that clients rely on: the garbage
/// collector (ownerReferences: background, foreground, orphan), namespace deletion and CRD cleanup.
/// Level-triggered: any delete or deletionTimestamp wakes one pass over the store; a tick repeats it.
/// </summary>
public sealed class ClusterControllers : IAsyncDisposable
{
    private readonly ObjectRegistry _registry;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public ClusterControllers(ObjectRegistry registry)
    {
        _registry = registry;
        _loop = Task.Run(RunAsync);
    }

    public void OnCommitted(StoreEvent change)
    {
        if (change.Type == StoreEvent.Deleted || change.Object.Object.IsDeleting())
        {
            _wake.Writer.TryWrite(true);
        }
    }

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                using var tick = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                tick.CancelAfter(TimeSpan.FromSeconds(2));
                try
                {
                    await _wake.Reader.ReadAsync(tick.Token);
                }
                catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
                {
                }

                // Several passes: one pass's deletions often finish what the next one checks.
                for (var pass = 0; pass < 5 && Pass(); pass++)
                {
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ApiException)
            {
                // A write raced with a client; the next wake or tick retries.
            }
        }
    }

    /// <summary>One pass over everything; true when it changed something.</summary>
    internal bool Pass()
    {
        var changed = false;
        var all = _registry.Store.Dump();
        var uids = all.Select(o => o.Object.Uid).ToHashSet(StringComparer.Ordinal);
        var deleting = all.Where(o => o.Object.Object.IsDeleting()).ToList();

        foreach (var (resource, owner) in deleting)
        {
            var finalizers = owner.Object.Finalizers();
            var type = _registry.Resources.Find(resource);
            if (type is null)
            {
                continue;
            }

            var dependents = all.Where(d => d.Object.Object.OwnerReferences().Any(r => (string?)r["uid"] == owner.Uid)).ToList();
            if (finalizers.Contains(ObjectRegistry.OrphanFinalizer))
            {
                foreach (var (dependentResource, dependent) in dependents)
                {
                    changed |= Orphan(dependentResource, dependent, owner.Uid);
                }

                _registry.ReleaseFinalizer(type, owner.Namespace, owner.Name, ObjectRegistry.OrphanFinalizer);
                changed = true;
            }
            else if (finalizers.Contains(ObjectRegistry.ForegroundFinalizer))
            {
                foreach (var (dependentResource, dependent) in dependents.Where(d => !d.Object.Object.IsDeleting()))
                {
                    changed |= DeleteQuietly(dependentResource, dependent, DeleteOptions.Foreground);
                }

                if (dependents.Count == 0)
                {
                    _registry.ReleaseFinalizer(type, owner.Namespace, owner.Name, ObjectRegistry.ForegroundFinalizer);
                    changed = true;
                }
            }

            if (resource == ObjectRegistry.Namespaces)
            {
                changed |= FinishNamespace(owner, all);
            }
            else if (resource == CustomResourceTypes.Definitions && finalizers.Contains(CrdController.CleanupFinalizer))
            {
                changed |= FinishCrd(type, owner, all);
            }
        }

        // Background collection: dependents whose owners are all gone.
        foreach (var (resource, obj) in all)
        {
            var owners = obj.Object.OwnerReferences().Select(r => (string?)r["uid"]).ToList();
            if (owners.Count > 0 && owners.All(u => u is not null && !uids.Contains(u)) && !obj.Object.IsDeleting())
            {
                changed |= DeleteQuietly(resource, obj, DeleteOptions.Background);
            }
        }

        return changed;
    }

    private bool FinishNamespace(StoredObject ns, IReadOnlyList<(GroupResource Resource, StoredObject Object)> all)
    {
        var contents = all.Where(o => o.Object.Namespace == ns.Name && o.Resource != ObjectRegistry.Namespaces).ToList();
        var changed = false;
        foreach (var (resource, obj) in contents.Where(c => !c.Object.Object.IsDeleting()))
        {
            changed |= DeleteQuietly(resource, obj, DeleteOptions.Background);
        }

        if (contents.Count > 0 || ns.Object.Finalizers().Count > 0)
        {
            return changed;
        }

        try
        {
            _registry.Store.Delete(ObjectRegistry.Namespaces, "", ns.Name, null);
        }
        catch (ApiException e) when (e.Code is 404 or 409)
        {
        }

        return true;
    }

    private bool FinishCrd(ResourceType crdType, StoredObject crd, IReadOnlyList<(GroupResource Resource, StoredObject Object)> all)
    {
        var types = CustomResourceTypes.From(crd.Object);
        if (types.Count == 0)
        {
            _registry.ReleaseFinalizer(crdType, "", crd.Name, CrdController.CleanupFinalizer);
            return true;
        }

        var resource = types[0].GroupResource;
        var instances = all.Where(o => o.Resource == resource).ToList();
        var changed = false;
        foreach (var (_, obj) in instances.Where(i => !i.Object.Object.IsDeleting()))
        {
            changed |= DeleteQuietly(resource, obj, DeleteOptions.Background);
        }

        if (instances.Count == 0)
        {
            _registry.ReleaseFinalizer(crdType, "", crd.Name, CrdController.CleanupFinalizer);
            changed = true;
        }

        return changed;
    }

    private bool DeleteQuietly(GroupResource resource, StoredObject obj, string policy)
    {
        if (_registry.Resources.Find(resource) is not { } type)
        {
            return false;
        }

        try
        {
            _registry.Delete(type, obj.Namespace, obj.Name, new DeleteOptions(policy, obj.Uid));
            return true;
        }
        catch (ApiException e) when (e.Code is 404 or 409)
        {
            return false;
        }
    }

    private bool Orphan(GroupResource resource, StoredObject dependent, string ownerUid)
    {
        var copy = dependent.Copy();
        var refs = new System.Text.Json.Nodes.JsonArray(copy.OwnerReferences().Where(r => (string?)r["uid"] != ownerUid).Select(r => (System.Text.Json.Nodes.JsonNode)r.DeepClone()).ToArray());
        if (refs.Count == 0)
        {
            copy.Metadata().Remove("ownerReferences");
        }
        else
        {
            copy.Metadata()["ownerReferences"] = refs;
        }

        copy.Metadata().Remove("resourceVersion");
        try
        {
            _registry.Store.Update(resource, copy, dependent.Revision);
            return true;
        }
        catch (ApiException e) when (e.Code is 404 or 409)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}
