using System.Threading.Channels;
using System.Xml.Linq;

namespace KubeCloud.Node.Hypervisor;

/// <summary>
/// A hypervisor that keeps its domains in memory, as nova's fake driver does: no QEMU, no libvirtd, so many
/// node daemons can run in one process for scale tests. It follows libvirt's state machine (states, reasons,
/// lifecycle events and the errors of invalid operations) as <c>HypervisorDriverContractTests</c> checks
/// against the real <see cref="LibvirtDriver"/>. Guests are ideal: they honour an ACPI power-off at once.
/// </summary>
public sealed class FakeHypervisorDriver : IHypervisorDriver
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, FakeDomain> _domains = new(StringComparer.Ordinal);
    private readonly Dictionary<Guid, byte[]> _secrets = [];
    private readonly Channel<DomainLifecycleEvent> _events = Channel.CreateUnbounded<DomainLifecycleEvent>();
    private readonly TimeProvider _time;

    public FakeHypervisorDriver(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    public event EventHandler<DomainLifecycleEvent>? LifecycleEvent;

    public ChannelReader<DomainLifecycleEvent> Events => _events.Reader;

    /// <summary>Memory (MiB) of the domains that are running or paused: what QEMU would hold on a real host.</summary>
    public long ActiveMemoryMiB
    {
        get
        {
            lock (_lock)
            {
                return _domains.Values.Where(d => d.Status.IsActive).Sum(d => d.MemoryMiB);
            }
        }
    }

    public DomainInfo Define(string domainXml)
    {
        var xml = XDocument.Parse(domainXml);
        var root = xml.Root ?? throw Invalid("virDomainDefineXML", "(unnamed)", "missing domain element");
        var name = root.Element("name")?.Value;
        if (string.IsNullOrEmpty(name))
        {
            throw new LibvirtException("virDomainDefineXML", XmlError, "XML error: missing domain name information");
        }

        var uuid = Guid.TryParse(root.Element("uuid")?.Value, out var u) ? u : Guid.NewGuid();
        var memory = ParseMemoryMiB(root.Element("memory"));
        DomainLifecycleEvent e;
        DomainInfo info;
        lock (_lock)
        {
            if (_domains.Values.FirstOrDefault(d => d.Uuid == uuid && d.Name != name) is { } other)
            {
                throw new LibvirtException("virDomainDefineXML", OperationFailed, $"operation failed: domain '{other.Name}' already exists with uuid {uuid:D}");
            }

            var updated = _domains.TryGetValue(name, out var domain);
            if (domain is not null && domain.Uuid != uuid)
            {
                throw new LibvirtException("virDomainDefineXML", OperationFailed, $"operation failed: domain '{name}' already exists with uuid {domain.Uuid:D}");
            }

            domain ??= new FakeDomain(name, uuid);
            domain.Xml = xml;
            domain.MemoryMiB = memory;
            domain.Persistent = true;
            _domains[name] = domain;
            info = domain.Info;
            e = Event(domain, DomainLifecycleEventType.Defined, updated ? 1 : 0);
        }

        Publish(e);
        return info;
    }

    public void Undefine(string name)
    {
        DomainLifecycleEvent e;
        lock (_lock)
        {
            if (!_domains.TryGetValue(name, out var domain))
            {
                return;
            }

            domain.HasManagedSaveImage = false;
            if (domain.Status.IsActive)
            {
                domain.Persistent = false; // libvirt: an active domain becomes transient and goes when it stops
            }
            else
            {
                _domains.Remove(name);
            }

            e = Event(domain, DomainLifecycleEventType.Undefined, 0);
        }

        Publish(e);
    }

    public void Start(string name)
    {
        var events = new List<DomainLifecycleEvent>();
        lock (_lock)
        {
            var domain = Lookup(name);
            if (domain.Status.IsActive)
            {
                throw Invalid("virDomainCreate", name, "domain is already running");
            }

            if (domain.HasManagedSaveImage)
            {
                domain.HasManagedSaveImage = false;
                domain.Status = new DomainStatus(DomainState.Running, RunningRestored);
                events.Add(Event(domain, DomainLifecycleEventType.Started, StartedRestored));
                events.Add(Event(domain, DomainLifecycleEventType.Resumed, ResumedFromSnapshot));
            }
            else
            {
                domain.Status = new DomainStatus(DomainState.Running, RunningBooted);
                events.Add(Event(domain, DomainLifecycleEventType.Resumed, ResumedUnpaused));
                events.Add(Event(domain, DomainLifecycleEventType.Started, StartedBooted));
            }
        }

        Publish(events);
    }

    public Task<ShutdownOutcome> ShutdownAsync(string name, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var events = new List<DomainLifecycleEvent>();
        lock (_lock)
        {
            var domain = Lookup(name);
            if (!domain.Status.IsActive)
            {
                return Task.FromResult(ShutdownOutcome.AlreadyOff);
            }

            events.Add(Event(domain, DomainLifecycleEventType.Shutdown, ShutdownGuest));
            Stop(domain, ShutoffShutdown, StoppedShutdown, events);
        }

        Publish(events);
        return Task.FromResult(ShutdownOutcome.Graceful);
    }

    public void Destroy(string name)
    {
        var events = new List<DomainLifecycleEvent>();
        lock (_lock)
        {
            var domain = Lookup(name);
            if (!domain.Status.IsActive)
            {
                return; // as LibvirtDriver: not running is fine
            }

            events.Add(Event(domain, DomainLifecycleEventType.Shutdown, ShutdownHost));
            Stop(domain, ShutoffDestroyed, StoppedDestroyed, events);
        }

        Publish(events);
    }

    public void Reboot(string name)
    {
        lock (_lock)
        {
            RequireActive(Lookup(name), "virDomainReboot");
        }
    }

    public void Reset(string name)
    {
        lock (_lock)
        {
            RequireActive(Lookup(name), "virDomainReset");
        }
    }

    public void Suspend(string name)
    {
        DomainLifecycleEvent? e = null;
        lock (_lock)
        {
            var domain = Lookup(name);
            RequireActive(domain, "virDomainSuspend");
            if (domain.Status.State != DomainState.Paused)
            {
                domain.Status = new DomainStatus(DomainState.Paused, PausedUser);
                e = Event(domain, DomainLifecycleEventType.Suspended, SuspendedPaused);
            }
        }

        Publish(e);
    }

    public void Resume(string name)
    {
        DomainLifecycleEvent? e = null;
        lock (_lock)
        {
            var domain = Lookup(name);
            RequireActive(domain, "virDomainResume");
            if (domain.Status.State != DomainState.Paused)
            {
                throw Invalid("virDomainResume", name, "domain is not paused");
            }

            domain.Status = new DomainStatus(DomainState.Running, RunningUnpaused);
            e = Event(domain, DomainLifecycleEventType.Resumed, ResumedUnpaused);
        }

        Publish(e);
    }

    public void ManagedSave(string name)
    {
        var events = new List<DomainLifecycleEvent>();
        lock (_lock)
        {
            var domain = Lookup(name);
            RequireActive(domain, "virDomainManagedSave");
            if (!domain.Persistent)
            {
                throw Invalid("virDomainManagedSave", name, "cannot do managed save for transient domain");
            }

            domain.HasManagedSaveImage = true;
            if (domain.Status.State != DomainState.Paused)
            {
                events.Add(Event(domain, DomainLifecycleEventType.Suspended, SuspendedPaused)); // QEMU stops the CPUs first
            }

            Stop(domain, ShutoffSaved, StoppedSaved, events);
        }

        Publish(events);
    }

    public bool HasManagedSaveImage(string name)
    {
        lock (_lock)
        {
            return Lookup(name).HasManagedSaveImage;
        }
    }

    public DomainStatus GetStatus(string name)
    {
        lock (_lock)
        {
            return Lookup(name).Status;
        }
    }

    public string GetXml(string name)
    {
        lock (_lock)
        {
            return Lookup(name).Xml.ToString();
        }
    }

    public DomainInfo? Find(string name)
    {
        lock (_lock)
        {
            return _domains.TryGetValue(name, out var d) ? d.Info : null;
        }
    }

    public DomainInfo? FindByUuid(Guid uuid)
    {
        lock (_lock)
        {
            return _domains.Values.FirstOrDefault(d => d.Uuid == uuid)?.Info;
        }
    }

    public IReadOnlyList<DomainInfo> List()
    {
        lock (_lock)
        {
            return [.. _domains.Values.Select(d => d.Info)];
        }
    }

    public void AttachDevice(string name, string deviceXml)
    {
        var device = XElement.Parse(deviceXml);
        lock (_lock)
        {
            var devices = Devices(Lookup(name));
            if (FindDevice(devices, device) is not null)
            {
                throw new LibvirtException("virDomainAttachDeviceFlags", OperationFailed, $"operation failed: device {DeviceKey(device)} already exists in domain '{name}'");
            }

            devices.Add(device);
        }
    }

    public void DetachDevice(string name, string deviceXml)
    {
        var device = XElement.Parse(deviceXml);
        lock (_lock)
        {
            var existing = FindDevice(Devices(Lookup(name)), device)
                ?? throw new LibvirtException("virDomainDetachDeviceFlags", OperationFailed, $"operation failed: device {DeviceKey(device)} not found in domain '{name}'");
            existing.Remove();
        }
    }

    public void DefineSecret(Guid uuid, string usageType, string usageName, ReadOnlySpan<byte> value)
    {
        lock (_lock)
        {
            _secrets[uuid] = value.ToArray();
        }
    }

    public void UndefineSecret(Guid uuid)
    {
        lock (_lock)
        {
            _secrets.Remove(uuid);
        }
    }

    public bool SecretExists(Guid uuid)
    {
        lock (_lock)
        {
            return _secrets.ContainsKey(uuid);
        }
    }

    public void Dispose() => _events.Writer.TryComplete();

    // virErrorNumber values the fake raises, beside those LibvirtException names.
    private const int OperationFailed = 9;
    private const int XmlError = 27;

    // virDomainRunningReason, virDomainPausedReason, virDomainShutoffReason.
    private const int RunningBooted = 1;
    private const int RunningRestored = 3;
    private const int RunningUnpaused = 5;
    private const int PausedUser = 1;
    private const int ShutoffShutdown = 1;
    private const int ShutoffDestroyed = 2;
    private const int ShutoffSaved = 5;

    // The details of lifecycle events (virDomainEvent*DetailType), in the order libvirt 9 sends them for QEMU,
    // as the contract test recorded: a boot is Resumed then Started; a managed save Suspended then Stopped(saved);
    // a restore Started(restored) then Resumed(from-snapshot); a destroy Shutdown(host) then Stopped(destroyed).
    private const int StartedBooted = 0;
    private const int StartedRestored = 2;
    private const int SuspendedPaused = 0;
    private const int ResumedUnpaused = 0;
    private const int ResumedFromSnapshot = 2;
    private const int StoppedShutdown = 0;
    private const int StoppedDestroyed = 1;
    private const int StoppedSaved = 4;
    private const int ShutdownGuest = 1;
    private const int ShutdownHost = 2;

    private void Stop(FakeDomain domain, int shutoffReason, int stoppedDetail, List<DomainLifecycleEvent> events)
    {
        domain.Status = new DomainStatus(DomainState.Shutoff, shutoffReason);
        events.Add(Event(domain, DomainLifecycleEventType.Stopped, stoppedDetail));
        if (!domain.Persistent)
        {
            _domains.Remove(domain.Name);
        }
    }

    private FakeDomain Lookup(string name) =>
        _domains.TryGetValue(name, out var domain)
            ? domain
            : throw new LibvirtException($"virDomainLookupByName({name})", LibvirtException.NoDomain, $"Domain not found: no domain with matching name '{name}'");

    private static void RequireActive(FakeDomain domain, string operation)
    {
        if (!domain.Status.IsActive)
        {
            throw Invalid(operation, domain.Name, "domain is not running");
        }
    }

    private static LibvirtException Invalid(string operation, string name, string message) =>
        new($"{operation}({name})", LibvirtException.OperationInvalid, "Requested operation is not valid: " + message);

    private DomainLifecycleEvent Event(FakeDomain domain, DomainLifecycleEventType type, int detail) =>
        new(domain.Name, domain.Uuid, type, detail, _time.GetUtcNow());

    private void Publish(DomainLifecycleEvent? e)
    {
        if (e is null)
        {
            return;
        }

        _events.Writer.TryWrite(e);
        LifecycleEvent?.Invoke(this, e);
    }

    private void Publish(List<DomainLifecycleEvent> events)
    {
        foreach (var e in events)
        {
            Publish(e);
        }
    }

    private static XElement Devices(FakeDomain domain)
    {
        var root = domain.Xml.Root!;
        var devices = root.Element("devices");
        if (devices is null)
        {
            devices = new XElement("devices");
            root.Add(devices);
        }

        return devices;
    }

    /// <summary>A device is identified as libvirt matches it for detach: a disk by its target, an interface by its MAC.</summary>
    private static XElement? FindDevice(XElement devices, XElement device) =>
        devices.Elements(device.Name).FirstOrDefault(d => DeviceKey(d) == DeviceKey(device));

    private static string DeviceKey(XElement device) => device.Name.LocalName switch
    {
        "disk" => "disk " + device.Element("target")?.Attribute("dev")?.Value,
        "interface" => "interface " + device.Element("mac")?.Attribute("address")?.Value?.ToLowerInvariant(),
        _ => device.ToString(SaveOptions.DisableFormatting),
    };

    private static long ParseMemoryMiB(XElement? memory)
    {
        if (memory is null || !long.TryParse(memory.Value, out var amount))
        {
            return 0;
        }

        return (memory.Attribute("unit")?.Value ?? "KiB") switch
        {
            "b" or "bytes" => amount >> 20,
            "KiB" or "k" => amount >> 10,
            "MiB" or "M" => amount,
            "GiB" or "G" => amount << 10,
            _ => amount >> 10,
        };
    }

    private sealed class FakeDomain(string name, Guid uuid)
    {
        public string Name { get; } = name;

        public Guid Uuid { get; } = uuid;

        public XDocument Xml { get; set; } = new();

        public long MemoryMiB { get; set; }

        public bool Persistent { get; set; } = true;

        public bool HasManagedSaveImage { get; set; }

        public DomainStatus Status { get; set; } = new(DomainState.Shutoff, 0);

        public DomainInfo Info => new(Name, Uuid, Status);
    }
}
