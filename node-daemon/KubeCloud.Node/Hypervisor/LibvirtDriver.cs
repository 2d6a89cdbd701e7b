using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security;
using System.Threading.Channels;

namespace KubeCloud.Node.Hypervisor;

/// <summary>The hypervisor driver over libvirt's C API (P/Invoke on libvirt.so.0).</summary>
public sealed class LibvirtDriver : IHypervisorDriver
{
    private const uint UndefineManagedSave = 1;
    private const uint UndefineSnapshotsMetadata = 2;
    private const uint UndefineNvram = 4;
    private const uint AffectLive = 1;
    private const uint AffectConfig = 2;
    private const int EventIdLifecycle = 0;

    private readonly ConnectHandle _connection;
    private readonly Channel<DomainLifecycleEvent> _events = Channel.CreateUnbounded<DomainLifecycleEvent>(new UnboundedChannelOptions { SingleReader = false });
    private readonly GCHandle _self;
    private readonly int _callbackId;
    private bool _disposed;

    private unsafe LibvirtDriver(ConnectHandle connection)
    {
        _connection = connection;
        _self = GCHandle.Alloc(this);
        _callbackId = LibvirtNative.virConnectDomainEventRegisterAny(
            _connection, IntPtr.Zero, EventIdLifecycle, &OnLifecycleEvent, GCHandle.ToIntPtr(_self), IntPtr.Zero);
        if (_callbackId < 0)
        {
            var error = LibvirtException.FromLastError("virConnectDomainEventRegisterAny");
            _self.Free();
            _connection.Dispose();
            throw error;
        }
    }

    public event EventHandler<DomainLifecycleEvent>? LifecycleEvent;

    public ChannelReader<DomainLifecycleEvent> Events => _events.Reader;

    /// <summary>The connection URI, e.g. qemu:///system.</summary>
    public string Uri { get; private init; } = "";

    /// <summary>Opens a connection; starts libvirt's event loop thread first so events flow.</summary>
    public static LibvirtDriver Open(string uri = "qemu:///system")
    {
        LibvirtEventLoop.EnsureStarted();
        var connection = LibvirtNative.virConnectOpen(uri);
        if (connection.IsInvalid)
        {
            throw LibvirtException.FromLastError($"virConnectOpen({uri})");
        }

        return new LibvirtDriver(connection) { Uri = uri };
    }

    /// <summary>libvirt library version as major.minor.micro.</summary>
    public Version LibraryVersion
    {
        get
        {
            Check(LibvirtNative.virConnectGetLibVersion(_connection, out var v), "virConnectGetLibVersion");
            return new Version((int)(v / 1_000_000), (int)(v / 1000 % 1000), (int)(v % 1000));
        }
    }

    public DomainInfo Define(string domainXml)
    {
        using var domain = LibvirtNative.virDomainDefineXML(_connection, domainXml);
        if (domain.IsInvalid)
        {
            throw LibvirtException.FromLastError("virDomainDefineXML");
        }

        return Describe(domain);
    }

    public void Undefine(string name)
    {
        using var domain = TryLookup(name);
        if (domain is null)
        {
            return;
        }

        Check(LibvirtNative.virDomainUndefineFlags(domain, UndefineManagedSave | UndefineSnapshotsMetadata | UndefineNvram), $"virDomainUndefineFlags({name})");
    }

    public void Start(string name)
    {
        using var domain = Lookup(name);
        Check(LibvirtNative.virDomainCreate(domain), $"virDomainCreate({name})");
    }

    public async Task<ShutdownOutcome> ShutdownAsync(string name, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (!GetStatus(name).IsActive)
        {
            return ShutdownOutcome.AlreadyOff;
        }

        // As nova's libvirt driver does (SHUTDOWN_RETRY_INTERVAL), the ACPI request is sent again every
        // ShutdownRetryInterval: a guest that was still booting, or not yet listening, misses a single press.
        var deadline = DateTime.UtcNow + timeout;
        var nextRequest = DateTime.MinValue;
        while (true)
        {
            if (!GetStatus(name).IsActive)
            {
                return ShutdownOutcome.Graceful;
            }

            var now = DateTime.UtcNow;
            if (now >= deadline)
            {
                break;
            }

            if (now >= nextRequest)
            {
                RequestShutdown(name);
                nextRequest = now + ShutdownRetryInterval;
            }

            await Task.Delay(100, cancellationToken);
        }

        Destroy(name);
        return ShutdownOutcome.Forced;
    }

    /// <summary>How often <see cref="ShutdownAsync"/> repeats the ACPI power-button request while it waits.</summary>
    public TimeSpan ShutdownRetryInterval { get; init; } = TimeSpan.FromSeconds(10);

    private void RequestShutdown(string name)
    {
        using var domain = Lookup(name);
        CheckUnlessOff(LibvirtNative.virDomainShutdown(domain), $"virDomainShutdown({name})");
    }

    public void Destroy(string name)
    {
        using var domain = Lookup(name);
        CheckUnlessOff(LibvirtNative.virDomainDestroy(domain), $"virDomainDestroy({name})");
    }

    public void Reboot(string name)
    {
        using var domain = Lookup(name);
        Check(LibvirtNative.virDomainReboot(domain, 0), $"virDomainReboot({name})");
    }

    public void Reset(string name)
    {
        using var domain = Lookup(name);
        Check(LibvirtNative.virDomainReset(domain, 0), $"virDomainReset({name})");
    }

    public void Suspend(string name)
    {
        using var domain = Lookup(name);
        Check(LibvirtNative.virDomainSuspend(domain), $"virDomainSuspend({name})");
    }

    public void Resume(string name)
    {
        using var domain = Lookup(name);
        Check(LibvirtNative.virDomainResume(domain), $"virDomainResume({name})");
    }

    public void ManagedSave(string name)
    {
        using var domain = Lookup(name);
        Check(LibvirtNative.virDomainManagedSave(domain, 0), $"virDomainManagedSave({name})");
    }

    public bool HasManagedSaveImage(string name)
    {
        using var domain = Lookup(name);
        var rc = LibvirtNative.virDomainHasManagedSaveImage(domain, 0);
        Check(rc, $"virDomainHasManagedSaveImage({name})");
        return rc == 1;
    }

    public DomainStatus GetStatus(string name)
    {
        using var domain = Lookup(name);
        return Status(domain, name);
    }

    public string GetXml(string name)
    {
        using var domain = Lookup(name);
        return LibvirtNative.TakeString(LibvirtNative.virDomainGetXMLDesc(domain, 0))
            ?? throw LibvirtException.FromLastError($"virDomainGetXMLDesc({name})");
    }

    public DomainInfo? Find(string name)
    {
        using var domain = TryLookup(name);
        try
        {
            return domain is null ? null : Describe(domain);
        }
        catch (LibvirtException e) when (e.Code == LibvirtException.NoDomain)
        {
            return null; // undefined between the lookup and the state read (a deletion racing this call)
        }
    }

    public DomainInfo? FindByUuid(Guid uuid)
    {
        using var domain = LibvirtNative.virDomainLookupByUUIDString(_connection, uuid.ToString("D"));
        if (domain.IsInvalid)
        {
            var error = LibvirtException.FromLastError($"virDomainLookupByUUIDString({uuid})");
            return error.Code == LibvirtException.NoDomain ? null : throw error;
        }

        return Describe(domain);
    }

    public unsafe IReadOnlyList<DomainInfo> List()
    {
        var count = LibvirtNative.virConnectListAllDomains(_connection, out var array, 0);
        Check(count, "virConnectListAllDomains");
        var result = new List<DomainInfo>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                using var domain = new DomainHandle(((IntPtr*)array)[i]);
                try
                {
                    result.Add(Describe(domain));
                }
                catch (LibvirtException e) when (e.Code == LibvirtException.NoDomain)
                {
                    // Undefined between the list and its description (another server's removal): not in the list, and
                    // not an error: the heartbeat took it for libvirtd not answering and the Hypervisor went not Ready.
                }
            }
        }
        finally
        {
            LibvirtNative.Free(array);
        }

        return result;
    }

    public void AttachDevice(string name, string deviceXml)
    {
        using var domain = Lookup(name);
        var flags = LibvirtNative.virDomainIsActive(domain) == 1 ? AffectLive | AffectConfig : AffectConfig;
        Check(LibvirtNative.virDomainAttachDeviceFlags(domain, deviceXml, flags), $"virDomainAttachDeviceFlags({name})");
    }

    public void DetachDevice(string name, string deviceXml)
    {
        using var domain = Lookup(name);
        if (LibvirtNative.virDomainIsActive(domain) != 1)
        {
            Check(LibvirtNative.virDomainDetachDeviceFlags(domain, deviceXml, AffectConfig), $"virDomainDetachDeviceFlags({name})");
            return;
        }

        if (LibvirtNative.virDomainDetachDeviceFlags(domain, deviceXml, AffectLive | AffectConfig) == 0)
        {
            return;
        }

        // An earlier request took the device out of the persistent definition but the guest has not let go: ask the
        // running guest again (an ACPI unplug request can be lost), as nova's detach retries do.
        Check(LibvirtNative.virDomainDetachDeviceFlags(domain, deviceXml, AffectLive), $"virDomainDetachDeviceFlags({name})");
    }

    public unsafe void DefineSecret(Guid uuid, string usageType, string usageName, ReadOnlySpan<byte> value)
    {
        var xml = $"""
            <secret ephemeral='no' private='yes'>
              <uuid>{uuid:D}</uuid>
              <usage type='{SecurityElement.Escape(usageType)}'><target>{SecurityElement.Escape(usageName)}</target></usage>
            </secret>
            """;
        using var secret = LibvirtNative.virSecretDefineXML(_connection, xml, 0);
        if (secret.IsInvalid)
        {
            throw LibvirtException.FromLastError($"virSecretDefineXML({uuid})");
        }

        fixed (byte* p = value)
        {
            if (LibvirtNative.virSecretSetValue(secret, p, (nuint)value.Length, 0) < 0)
            {
                var error = LibvirtException.FromLastError($"virSecretSetValue({uuid})");
                LibvirtNative.virSecretUndefine(secret);
                throw error;
            }
        }
    }

    public void UndefineSecret(Guid uuid)
    {
        using var secret = TryLookupSecret(uuid);
        if (secret is not null)
        {
            Check(LibvirtNative.virSecretUndefine(secret), $"virSecretUndefine({uuid})");
        }
    }

    public bool SecretExists(Guid uuid)
    {
        using var secret = TryLookupSecret(uuid);
        return secret is not null;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        LibvirtNative.virConnectDomainEventDeregisterAny(_connection, _callbackId);
        _connection.Dispose();
        _events.Writer.TryComplete();
        // The handle stays allocated: libvirt may still deliver an event queued before deregistration.
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int OnLifecycleEvent(IntPtr connection, IntPtr domain, int eventType, int detail, IntPtr opaque)
    {
        try
        {
            if (GCHandle.FromIntPtr(opaque).Target is LibvirtDriver driver && !driver._disposed)
            {
                var name = LibvirtNative.DomainName(domain);
                _ = Guid.TryParse(LibvirtNative.DomainUuid(domain), out var uuid);
                var e = new DomainLifecycleEvent(name, uuid, (DomainLifecycleEventType)eventType, detail, DateTimeOffset.UtcNow);
                driver._events.Writer.TryWrite(e);
                driver.LifecycleEvent?.Invoke(driver, e);
            }
        }
#pragma warning disable CA1031 // an exception must never unwind into libvirt's C stack
        catch (Exception)
#pragma warning restore CA1031
        {
        }

        return 0;
    }

    private static DomainInfo Describe(DomainHandle domain)
    {
        var raw = domain.DangerousGetHandle();
        var name = LibvirtNative.DomainName(raw);
        return new DomainInfo(name, Guid.Parse(LibvirtNative.DomainUuid(raw)), Status(domain, name));
    }

    private static DomainStatus Status(DomainHandle domain, string name)
    {
        Check(LibvirtNative.virDomainGetState(domain, out var state, out var reason, 0), $"virDomainGetState({name})");
        return new DomainStatus((DomainState)state, reason);
    }

    private DomainHandle Lookup(string name)
        => TryLookup(name) ?? throw new LibvirtException($"virDomainLookupByName({name})", LibvirtException.NoDomain, $"Domain not found: no domain with matching name '{name}'");

    private DomainHandle? TryLookup(string name)
    {
        var domain = LibvirtNative.virDomainLookupByName(_connection, name);
        if (!domain.IsInvalid)
        {
            return domain;
        }

        domain.Dispose();
        var error = LibvirtException.FromLastError($"virDomainLookupByName({name})");
        return error.Code == LibvirtException.NoDomain ? null : throw error;
    }

    private SecretHandle? TryLookupSecret(Guid uuid)
    {
        var secret = LibvirtNative.virSecretLookupByUUIDString(_connection, uuid.ToString("D"));
        if (!secret.IsInvalid)
        {
            return secret;
        }

        secret.Dispose();
        var error = LibvirtException.FromLastError($"virSecretLookupByUUIDString({uuid})");
        return error.Code == LibvirtException.NoSecret ? null : throw error;
    }

    private static void Check(int rc, string operation)
    {
        if (rc < 0)
        {
            throw LibvirtException.FromLastError(operation);
        }
    }

    /// <summary>As <see cref="Check"/>, but "operation invalid" (the domain is not running, so already off) is no error.</summary>
    private static void CheckUnlessOff(int rc, string operation)
    {
        if (rc < 0)
        {
            var error = LibvirtException.FromLastError(operation);
            if (error.Code != LibvirtException.OperationInvalid)
            {
                throw error;
            }
        }
    }
}

/// <summary>libvirt's default event loop, run on one background thread for the whole process.</summary>
internal static unsafe class LibvirtEventLoop
{
    private static readonly Lock Gate = new();
    private static Thread? _thread;

    public static void EnsureStarted()
    {
        lock (Gate)
        {
            if (_thread is not null)
            {
                return;
            }

            if (LibvirtNative.virInitialize() < 0)
            {
                throw LibvirtException.FromLastError("virInitialize");
            }

            // Errors are read through virGetLastError; keep libvirt from printing them to stderr.
            LibvirtNative.virSetErrorFunc(IntPtr.Zero, &IgnoreError);
            if (LibvirtNative.virEventRegisterDefaultImpl() < 0)
            {
                throw LibvirtException.FromLastError("virEventRegisterDefaultImpl");
            }

            _thread = new Thread(Run) { IsBackground = true, Name = "libvirt-event-loop" };
            _thread.Start();
        }
    }

    private static void Run()
    {
        while (true)
        {
            if (LibvirtNative.virEventRunDefaultImpl() < 0)
            {
                Thread.Sleep(100);
            }
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void IgnoreError(IntPtr userData, IntPtr error)
    {
    }
}
