using KubeCloud.Api.V1Alpha1;

namespace KubeCloud.Kubectl.Cli;

/// <summary>
/// What a verb changes on a Server, as the merge patch kubectl would send by hand (DESIGN.md: actions are desired
/// state: power is <c>spec.powerState</c>, reboot the annotation <c>kubecloud.io/reboot-requested-at</c>, resize
/// <c>spec.flavorRef</c>, confirm the annotation <c>kubecloud.io/resize</c>).
/// </summary>
internal static class ServerAction
{
    public const string ResizeAnnotation = "kubecloud.io/resize";

    /// <summary>The patch, and the line printed once it is applied; throws <see cref="ActionRefusedException"/> when the server's state forbids it.</summary>
    public static (object Patch, string Done) For(PluginCommandLine line, Server server, DateTimeOffset now)
    {
        var name = $"server.kubecloud.io/{line.Server}";
        return line.Verb switch
        {
            "start" => (Power(DesiredPowerState.Running), $"{name} start requested (powerState Running)"),
            "stop" => (Power(DesiredPowerState.Stopped), $"{name} stop requested (powerState Stopped)"),
            "pause" => (Power(DesiredPowerState.Paused), $"{name} pause requested (powerState Paused)"),
            "suspend" => (Power(DesiredPowerState.Suspended), $"{name} suspend requested (powerState Suspended)"),
            "reboot" => (Annotate(ApiGroup.RebootRequestedAtAnnotation, now.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture)), $"{name} reboot requested"),
            "resize" when line.Flavor is { } flavor => (new { spec = new { flavorRef = new { name = flavor } } }, $"{name} resize to {flavor} requested; confirm with --confirm or go back with --revert once it reports ResizeAwaitingConfirmation"),
            "resize" when line.Confirm => server.Status?.Resize is null
                ? throw new ActionRefusedException($"{name} has no resize to confirm (status.resize is empty)")
                : (Annotate(ResizeAnnotation, "confirm"), $"{name} resize to {server.Status.Flavor?.Name ?? server.Spec.FlavorRef.Name} confirmed"),
            "resize" when line.Revert => server.Status?.Resize is not { } resize
                ? throw new ActionRefusedException($"{name} has no resize to revert (status.resize is empty)")
                : (new { spec = new { flavorRef = new { name = resize.OldFlavor.Name } } }, $"{name} resize reverted to {resize.OldFlavor.Name}"),
            _ => throw new InvalidOperationException($"{line.Verb} is not a patch"),
        };
    }

    private static object Power(DesiredPowerState state) => new { spec = new { powerState = state.ToString() } };

    private static object Annotate(string key, string value) => new { metadata = new { annotations = new Dictionary<string, string> { [key] = value } } };
}

/// <summary>An action the server's state does not allow: one line on stderr and exit 1.</summary>
internal sealed class ActionRefusedException(string message) : Exception(message);
