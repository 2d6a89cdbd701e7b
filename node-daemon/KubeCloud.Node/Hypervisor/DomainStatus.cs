namespace KubeCloud.Node.Hypervisor;

/// <summary>virDomainState.</summary>
public enum DomainState
{
    NoState = 0,
    Running = 1,
    Blocked = 2,
    Paused = 3,
    Shutdown = 4,
    Shutoff = 5,
    Crashed = 6,
    PMSuspended = 7,
}

/// <summary>A domain's state and libvirt's reason for it (the reason's meaning depends on the state).</summary>
public sealed record DomainStatus(DomainState State, int Reason)
{
    private static readonly string[] RunningReasons = ["unknown", "booted", "migrated", "restored", "from-snapshot", "unpaused", "migration-canceled", "save-canceled", "wakeup", "crashed", "postcopy", "postcopy-failed"];
    private static readonly string[] PausedReasons = ["unknown", "user", "migration", "save", "dump", "ioerror", "watchdog", "from-snapshot", "shutting-down", "snapshot", "crashed", "starting-up", "postcopy", "postcopy-failed", "api-error"];
    private static readonly string[] ShutoffReasons = ["unknown", "shutdown", "destroyed", "crashed", "migrated", "saved", "failed", "from-snapshot", "daemon"];

    /// <summary>The reason as libvirt's documentation names it (e.g. "saved" for a managed save).</summary>
    public string ReasonName => State switch
    {
        DomainState.Running => Name(RunningReasons),
        DomainState.Paused => Name(PausedReasons),
        DomainState.Shutoff => Name(ShutoffReasons),
        _ => Reason.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public bool IsActive => State is DomainState.Running or DomainState.Blocked or DomainState.Paused or DomainState.Shutdown or DomainState.PMSuspended;

    private string Name(string[] names) => Reason >= 0 && Reason < names.Length ? names[Reason] : Reason.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public override string ToString() => $"{State} ({ReasonName})";
}

/// <summary>A defined domain as listed by the driver.</summary>
public sealed record DomainInfo(string Name, Guid Uuid, DomainStatus Status);

/// <summary>virDomainEventType.</summary>
public enum DomainLifecycleEventType
{
    Defined = 0,
    Undefined = 1,
    Started = 2,
    Suspended = 3,
    Resumed = 4,
    Stopped = 5,
    Shutdown = 6,
    PMSuspended = 7,
    Crashed = 8,
}

/// <summary>A lifecycle event from libvirt (VIR_DOMAIN_EVENT_ID_LIFECYCLE).</summary>
public sealed record DomainLifecycleEvent(string DomainName, Guid DomainUuid, DomainLifecycleEventType Type, int Detail, DateTimeOffset ReceivedAt);

/// <summary>How <see cref="IHypervisorDriver.ShutdownAsync"/> ended.</summary>
public enum ShutdownOutcome
{
    AlreadyOff,
    Graceful,
    Forced,
}

/// <summary>The hypervisor libvirt is asked for: kvm where KVM really runs guests, qemu (TCG) elsewhere.</summary>
public enum HypervisorType
{
    Kvm,
    Qemu,
}
