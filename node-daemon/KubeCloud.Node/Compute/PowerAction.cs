using KubeCloud.Api.V1Alpha1;
using KubeCloud.Node.Hypervisor;

namespace KubeCloud.Node.Compute;

/// <summary>The one call that moves a domain towards its desired power state (nova's power_on, power_off, pause, suspend...).</summary>
public enum PowerAction
{
    /// <summary>The domain is where it should be.</summary>
    None,

    /// <summary>Boot it, or restore it from its managed-save image when it has one (nova's resume of a suspended guest).</summary>
    Start,

    /// <summary>Unpause the vCPUs.</summary>
    Resume,

    /// <summary>Halt the vCPUs, memory kept in RAM.</summary>
    Pause,

    /// <summary>ACPI power-off, forced after the timeout.</summary>
    Shutdown,

    /// <summary>Save memory to disk and stop (libvirt managed save), freeing the guest's RAM.</summary>
    Suspend,
}

/// <summary>Chooses the next <see cref="PowerAction"/> from the domain's state and the Server's spec.powerState.</summary>
public static class PowerPlanner
{
    /// <summary>
    /// One step at a time, so that every step is observable and a restart in between resumes from what libvirt
    /// reports: a paused guest asked to stop is resumed first (an ACPI request reaches no halted vCPU), a stopped guest
    /// asked to pause is started first, a suspended guest asked to stop is restored and then shut down cleanly (so a later
    /// start boots afresh instead of restoring stale memory), and a stopped guest asked to suspend stays stopped (it has no
    /// memory to save).
    /// </summary>
    public static PowerAction Next(DomainStatus status, bool hasManagedSaveImage, DesiredPowerState desired)
    {
        ArgumentNullException.ThrowIfNull(status);
        var running = status.State is DomainState.Running or DomainState.Blocked;
        var paused = status.State is DomainState.Paused or DomainState.PMSuspended;
        var off = !status.IsActive;
        return desired switch
        {
            DesiredPowerState.Running when off => PowerAction.Start,
            DesiredPowerState.Running when paused => PowerAction.Resume,
            DesiredPowerState.Stopped when paused => PowerAction.Resume,
            DesiredPowerState.Stopped when running => PowerAction.Shutdown,
            DesiredPowerState.Stopped when off && hasManagedSaveImage => PowerAction.Start, // restore, then a clean ACPI power-off
            DesiredPowerState.Paused when off => PowerAction.Start,
            DesiredPowerState.Paused when running => PowerAction.Pause,
            DesiredPowerState.Suspended when running || paused => PowerAction.Suspend,
            _ => PowerAction.None,
        };
    }

    /// <summary>The power state a Server's status reports: libvirt's state, with a managed-save image shown as Suspended.</summary>
    public static ObservedPowerState Observe(DomainStatus status, bool hasManagedSaveImage)
    {
        ArgumentNullException.ThrowIfNull(status);
        return status.State switch
        {
            DomainState.Shutoff when hasManagedSaveImage => ObservedPowerState.Suspended,
            DomainState.Running => ObservedPowerState.Running,
            DomainState.Blocked => ObservedPowerState.Blocked,
            DomainState.Paused => ObservedPowerState.Paused,
            DomainState.Shutdown => ObservedPowerState.Shutdown,
            DomainState.Shutoff => ObservedPowerState.Shutoff,
            DomainState.Crashed => ObservedPowerState.Crashed,
            DomainState.PMSuspended => ObservedPowerState.Suspended,
            _ => ObservedPowerState.NoState,
        };
    }
}
