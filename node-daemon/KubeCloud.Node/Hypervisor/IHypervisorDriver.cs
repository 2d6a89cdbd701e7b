using System.Threading.Channels;

namespace KubeCloud.Node.Hypervisor;

/// <summary>What the node daemon needs from a hypervisor. Domains are addressed by name.</summary>
public interface IHypervisorDriver : IDisposable
{
    /// <summary>Lifecycle events (started, stopped, suspended, ...), in the order libvirt sent them.</summary>
    ChannelReader<DomainLifecycleEvent> Events { get; }

    /// <summary>Raised for every lifecycle event, on libvirt's event loop thread.</summary>
    event EventHandler<DomainLifecycleEvent>? LifecycleEvent;

    /// <summary>Defines (or redefines) a persistent domain from XML.</summary>
    DomainInfo Define(string domainXml);

    /// <summary>Removes the definition, its managed-save image, snapshot metadata and NVRAM. Missing is fine.</summary>
    void Undefine(string name);

    /// <summary>Starts a defined domain; resumes from a managed-save image when there is one.</summary>
    void Start(string name);

    /// <summary>Asks the guest to power off (ACPI) and waits; destroys it when the timeout passes.</summary>
    Task<ShutdownOutcome> ShutdownAsync(string name, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>Stops the domain at once (power cut). Not running is fine.</summary>
    void Destroy(string name);

    /// <summary>Asks the guest to reboot (ACPI).</summary>
    void Reboot(string name);

    /// <summary>Resets the virtual machine (reset button).</summary>
    void Reset(string name);

    void Suspend(string name);

    void Resume(string name);

    /// <summary>Saves memory to a libvirt-managed image and stops the domain (hibernate); <see cref="Start"/> resumes it.</summary>
    void ManagedSave(string name);

    bool HasManagedSaveImage(string name);

    DomainStatus GetStatus(string name);

    string GetXml(string name);

    DomainInfo? Find(string name);

    DomainInfo? FindByUuid(Guid uuid);

    IReadOnlyList<DomainInfo> List();

    /// <summary>Hot-plugs a device (disk, interface) into the live domain and its persistent definition.</summary>
    void AttachDevice(string name, string deviceXml);

    /// <summary>
    /// Unplugs a device from the live domain (the guest must let go: an ACPI request, awaited briefly) and removes it
    /// from the persistent definition. Asking again while the guest still has it repeats the live request.
    /// </summary>
    void DetachDevice(string name, string deviceXml);

    /// <summary>Defines a secret (e.g. an iSCSI CHAP password) under a fixed UUID and sets its value.</summary>
    void DefineSecret(Guid uuid, string usageType, string usageName, ReadOnlySpan<byte> value);

    /// <summary>Removes a secret; missing is fine.</summary>
    void UndefineSecret(Guid uuid);

    bool SecretExists(Guid uuid);
}
