namespace KubeCloud.ControllerRuntime.Controllers;

/// <summary>A reconcile failure that retrying cannot fix (bad input the schema could not catch): logged and counted, not retried.</summary>
public sealed class TerminalReconcileException : Exception
{
    public TerminalReconcileException()
    {
    }

    public TerminalReconcileException(string message)
        : base(message)
    {
    }

    public TerminalReconcileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
