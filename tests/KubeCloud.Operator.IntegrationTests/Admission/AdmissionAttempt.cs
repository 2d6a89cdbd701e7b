using k8s;
using k8s.Models;
using KubeCloud.ControllerRuntime.Client;

namespace KubeCloud.Operator.IntegrationTests.Admission;

/// <summary>
/// One request a user sends through the real API server (and so through the webhook), and the check that the refusal
/// left nothing behind: a refused create is not there, a refused update left the object at its resourceVersion, a
/// refused delete left it in place without a deletionTimestamp.
/// </summary>
public abstract record AdmissionAttempt(string User)
{
    /// <summary>Sends the request as the user; returns what the admin reads of the object before it (or null).</summary>
    public abstract Task<string?> SnapshotAsync(KubeClient admin);

    public abstract Task SendAsync(KubeClient user);

    public abstract Task AssertNothingStoredAsync(KubeClient admin, string? snapshot);

    public static AdmissionAttempt Create<T>(string user, T obj)
        where T : class, IKubernetesObject<V1ObjectMeta> => new CreateAttempt<T>(user, obj);

    public static AdmissionAttempt Update<T>(string user, string? ns, string name, Action<T> change)
        where T : class, IKubernetesObject<V1ObjectMeta> => new UpdateAttempt<T>(user, ns, name, change);

    public static AdmissionAttempt Delete<T>(string user, string? ns, string name)
        where T : class, IKubernetesObject<V1ObjectMeta> => new DeleteAttempt<T>(user, ns, name);

    private sealed record CreateAttempt<T>(string User, T Object) : AdmissionAttempt(User)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        public override Task<string?> SnapshotAsync(KubeClient admin) => Task.FromResult<string?>(null);

        public override Task SendAsync(KubeClient user)
        {
            Object.Metadata.Uid = null;
            Object.Metadata.CreationTimestamp = null;
            Object.Metadata.ResourceVersion = null;
            return user.CreateAsync(Object);
        }

        public override async Task AssertNothingStoredAsync(KubeClient admin, string? snapshot) =>
            await Assert.ThrowsAsync<NotFoundException>(() => admin.GetAsync<T>(Object.Metadata.Name, Object.Metadata.NamespaceProperty));
    }

    private sealed record UpdateAttempt<T>(string User, string? Namespace, string Name, Action<T> Change) : AdmissionAttempt(User)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        public override async Task<string?> SnapshotAsync(KubeClient admin) => (await admin.GetAsync<T>(Name, Namespace)).Metadata.ResourceVersion;

        public override async Task SendAsync(KubeClient user)
        {
            var current = await user.GetAsync<T>(Name, Namespace);
            Change(current);
            await user.UpdateAsync(current);
        }

        public override async Task AssertNothingStoredAsync(KubeClient admin, string? snapshot) =>
            Assert.Equal(snapshot, (await admin.GetAsync<T>(Name, Namespace)).Metadata.ResourceVersion);
    }

    private sealed record DeleteAttempt<T>(string User, string? Namespace, string Name) : AdmissionAttempt(User)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        public override async Task<string?> SnapshotAsync(KubeClient admin) => (await admin.GetAsync<T>(Name, Namespace)).Metadata.ResourceVersion;

        public override Task SendAsync(KubeClient user) => user.DeleteAsync<T>(Name, Namespace);

        public override async Task AssertNothingStoredAsync(KubeClient admin, string? snapshot)
        {
            var still = await admin.GetAsync<T>(Name, Namespace);
            Assert.Null(still.Metadata.DeletionTimestamp);
            Assert.Equal(snapshot, still.Metadata.ResourceVersion);
        }
    }
}
