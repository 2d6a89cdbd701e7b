using System.Runtime.InteropServices;
using System.Runtime.InteropServices.Marshalling;

namespace KubeCloud.Node.Hypervisor;

/// <summary>A virConnectPtr; closed with virConnectClose.</summary>
public sealed class ConnectHandle : SafeHandle
{
    public ConnectHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle() => LibvirtNative.virConnectClose(handle) >= 0;
}

/// <summary>A virDomainPtr; released with virDomainFree.</summary>
public sealed class DomainHandle : SafeHandle
{
    public DomainHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    internal DomainHandle(IntPtr existing) : base(IntPtr.Zero, ownsHandle: true) => SetHandle(existing);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle() => LibvirtNative.virDomainFree(handle) == 0;
}

/// <summary>A virSecretPtr; released with virSecretFree.</summary>
public sealed class SecretHandle : SafeHandle
{
    public SecretHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle() => LibvirtNative.virSecretFree(handle) == 0;
}

/// <summary>The libvirt C API entry points the driver uses (the same calls libvirt-dotnet wraps).</summary>
internal static unsafe partial class LibvirtNative
{
    private const string Lib = "libvirt.so.0";

    [LibraryImport(Lib)] internal static partial int virInitialize();
    [LibraryImport(Lib)] internal static partial int virEventRegisterDefaultImpl();
    [LibraryImport(Lib)] internal static partial int virEventRunDefaultImpl();
    [LibraryImport(Lib)] internal static partial void virSetErrorFunc(IntPtr userData, delegate* unmanaged[Cdecl]<IntPtr, IntPtr, void> handler);
    [LibraryImport(Lib)] internal static partial IntPtr virGetLastErrorMessage();
    [LibraryImport(Lib)] internal static partial int virGetLastErrorCode();
    [LibraryImport(Lib)] internal static partial void virResetLastError();

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial ConnectHandle virConnectOpen(string? name);
    [LibraryImport(Lib)] internal static partial int virConnectClose(IntPtr conn);
    [LibraryImport(Lib)] internal static partial int virConnectGetLibVersion(ConnectHandle conn, out ulong version);
    [LibraryImport(Lib)] internal static partial int virConnectGetVersion(ConnectHandle conn, out ulong version);
    [LibraryImport(Lib)] internal static partial int virConnectListAllDomains(ConnectHandle conn, out IntPtr domains, uint flags);
    [LibraryImport(Lib)] internal static partial int virConnectSetKeepAlive(ConnectHandle conn, int interval, uint count);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial DomainHandle virDomainDefineXML(ConnectHandle conn, string xml);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial DomainHandle virDomainLookupByName(ConnectHandle conn, string name);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial DomainHandle virDomainLookupByUUIDString(ConnectHandle conn, string uuid);
    [LibraryImport(Lib)] internal static partial int virDomainFree(IntPtr domain);
    [LibraryImport(Lib)] internal static partial int virDomainRef(IntPtr domain);
    [LibraryImport(Lib)] internal static partial int virDomainUndefineFlags(DomainHandle domain, uint flags);
    [LibraryImport(Lib)] internal static partial int virDomainCreate(DomainHandle domain);
    [LibraryImport(Lib)] internal static partial int virDomainShutdown(DomainHandle domain);
    [LibraryImport(Lib)] internal static partial int virDomainDestroy(DomainHandle domain);
    [LibraryImport(Lib)] internal static partial int virDomainReboot(DomainHandle domain, uint flags);
    [LibraryImport(Lib)] internal static partial int virDomainReset(DomainHandle domain, uint flags);
    [LibraryImport(Lib)] internal static partial int virDomainSuspend(DomainHandle domain);
    [LibraryImport(Lib)] internal static partial int virDomainResume(DomainHandle domain);
    [LibraryImport(Lib)] internal static partial int virDomainManagedSave(DomainHandle domain, uint flags);
    [LibraryImport(Lib)] internal static partial int virDomainHasManagedSaveImage(DomainHandle domain, uint flags);
    [LibraryImport(Lib)] internal static partial int virDomainManagedSaveRemove(DomainHandle domain, uint flags);
    [LibraryImport(Lib)] internal static partial int virDomainGetState(DomainHandle domain, out int state, out int reason, uint flags);
    [LibraryImport(Lib)] internal static partial IntPtr virDomainGetName(IntPtr domain);
    [LibraryImport(Lib)] internal static partial int virDomainGetUUIDString(IntPtr domain, byte* buffer);
    [LibraryImport(Lib)] internal static partial IntPtr virDomainGetXMLDesc(DomainHandle domain, uint flags);
    [LibraryImport(Lib)] internal static partial int virDomainIsActive(DomainHandle domain);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial int virDomainAttachDeviceFlags(DomainHandle domain, string xml, uint flags);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial int virDomainDetachDeviceFlags(DomainHandle domain, string xml, uint flags);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial SecretHandle virSecretDefineXML(ConnectHandle conn, string xml, uint flags);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial SecretHandle virSecretLookupByUUIDString(ConnectHandle conn, string uuid);
    [LibraryImport(Lib)] internal static partial int virSecretSetValue(SecretHandle secret, byte* value, nuint size, uint flags);
    [LibraryImport(Lib)] internal static partial int virSecretUndefine(SecretHandle secret);
    [LibraryImport(Lib)] internal static partial int virSecretFree(IntPtr secret);

    [LibraryImport(Lib)]
    internal static partial int virConnectDomainEventRegisterAny(
        ConnectHandle conn, IntPtr domain, int eventId,
        delegate* unmanaged[Cdecl]<IntPtr, IntPtr, int, int, IntPtr, int> callback,
        IntPtr opaque, IntPtr freeCallback);

    [LibraryImport(Lib)] internal static partial int virConnectDomainEventDeregisterAny(ConnectHandle conn, int callbackId);

    [LibraryImport("libc", EntryPoint = "free")] internal static partial void Free(IntPtr pointer);

    /// <summary>Reads a char* that libvirt allocated for the caller, and frees it.</summary>
    internal static string? TakeString(IntPtr pointer)
    {
        if (pointer == IntPtr.Zero)
        {
            return null;
        }

        try
        {
            return Marshal.PtrToStringUTF8(pointer);
        }
        finally
        {
            Free(pointer);
        }
    }

    internal static string DomainName(IntPtr domain) => Marshal.PtrToStringUTF8(virDomainGetName(domain)) ?? "";

    internal static string DomainUuid(IntPtr domain)
    {
        var buffer = stackalloc byte[64];
        return virDomainGetUUIDString(domain, buffer) == 0 ? Marshal.PtrToStringUTF8((IntPtr)buffer) ?? "" : "";
    }
}
