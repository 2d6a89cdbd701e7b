namespace KubeCloud.Node.Hypervisor;

/// <summary>A libvirt call failed; carries libvirt's own error code and message.</summary>
public sealed class LibvirtException : Exception
{
    /// <summary>VIR_ERR_NO_DOMAIN.</summary>
    public const int NoDomain = 42;

    /// <summary>VIR_ERR_OPERATION_INVALID (e.g. domain is not running).</summary>
    public const int OperationInvalid = 55;

    /// <summary>VIR_ERR_NO_SECRET.</summary>
    public const int NoSecret = 66;

    public LibvirtException(string operation, int code, string libvirtMessage)
        : base($"libvirt {operation} failed: {libvirtMessage} (code {code})")
    {
        Operation = operation;
        Code = code;
        LibvirtMessage = libvirtMessage;
    }

    public LibvirtException() : this("call", 0, "unknown error") { }

    public LibvirtException(string message) : this("call", 0, message) { }

    public LibvirtException(string message, Exception inner) : base(message, inner)
    {
        Operation = "call";
        LibvirtMessage = message;
    }

    public string Operation { get; } = "";

    public int Code { get; }

    public string LibvirtMessage { get; } = "";

    /// <summary>Builds the exception from libvirt's thread-local last error.</summary>
    internal static LibvirtException FromLastError(string operation)
    {
        var code = LibvirtNative.virGetLastErrorCode();
        var message = System.Runtime.InteropServices.Marshal.PtrToStringUTF8(LibvirtNative.virGetLastErrorMessage()) ?? "unknown libvirt error";
        LibvirtNative.virResetLastError();
        return new LibvirtException(operation, code, message);
    }
}
