using System.Collections.Concurrent;
using System.Threading.Channels;
using KubeCloud.Node.Hypervisor;

namespace KubeCloud.Node.IntegrationTests;

/// <summary>A driver that counts the calls that change a domain (a restarted daemon must make none of them to adopt a guest).</summary>
public sealed class CountingDriver(IHypervisorDriver inner) : IHypervisorDriver
{
    private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);

    public IHypervisorDriver Inner { get; } = inner;

    public int Calls(string method) => _calls.GetValueOrDefault(method);

    public ChannelReader<DomainLifecycleEvent> Events => Inner.Events;

    public event EventHandler<DomainLifecycleEvent>? LifecycleEvent
    {
        add => Inner.LifecycleEvent += value;
        remove => Inner.LifecycleEvent -= value;
    }

    public DomainInfo Define(string domainXml) => Count(nameof(Define), () => Inner.Define(domainXml));

    public void Undefine(string name) => Count(nameof(Undefine), () => Inner.Undefine(name));

    public void Start(string name) => Count(nameof(Start), () => Inner.Start(name));

    public Task<ShutdownOutcome> ShutdownAsync(string name, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        Count(nameof(ShutdownAsync), () => Inner.ShutdownAsync(name, timeout, cancellationToken));

    public void Destroy(string name) => Count(nameof(Destroy), () => Inner.Destroy(name));

    public void Reboot(string name) => Count(nameof(Reboot), () => Inner.Reboot(name));

    public void Reset(string name) => Count(nameof(Reset), () => Inner.Reset(name));

    public void Suspend(string name) => Count(nameof(Suspend), () => Inner.Suspend(name));

    public void Resume(string name) => Count(nameof(Resume), () => Inner.Resume(name));

    public void ManagedSave(string name) => Count(nameof(ManagedSave), () => Inner.ManagedSave(name));

    public bool HasManagedSaveImage(string name) => Inner.HasManagedSaveImage(name);

    public DomainStatus GetStatus(string name) => Inner.GetStatus(name);

    public string GetXml(string name) => Inner.GetXml(name);

    public DomainInfo? Find(string name) => Inner.Find(name);

    public DomainInfo? FindByUuid(Guid uuid) => Inner.FindByUuid(uuid);

    public IReadOnlyList<DomainInfo> List() => Inner.List();

    public void AttachDevice(string name, string deviceXml) => Count(nameof(AttachDevice), () => Inner.AttachDevice(name, deviceXml));

    public void DetachDevice(string name, string deviceXml) => Count(nameof(DetachDevice), () => Inner.DetachDevice(name, deviceXml));

    public void DefineSecret(Guid uuid, string usageType, string usageName, ReadOnlySpan<byte> value)
    {
        _calls.AddOrUpdate(nameof(DefineSecret), 1, (_, n) => n + 1);
        Inner.DefineSecret(uuid, usageType, usageName, value);
    }

    public void UndefineSecret(Guid uuid) => Count(nameof(UndefineSecret), () => Inner.UndefineSecret(uuid));

    public bool SecretExists(Guid uuid) => Inner.SecretExists(uuid);

    /// <summary>The host outlives the daemons: disposing this wrapper leaves the inner driver open.</summary>
    public void Dispose()
    {
    }

    private void Count(string method, Action call) => Count(method, () =>
    {
        call();
        return 0;
    });

    private T Count<T>(string method, Func<T> call)
    {
        _calls.AddOrUpdate(method, 1, (_, n) => n + 1);
        return call();
    }
}
