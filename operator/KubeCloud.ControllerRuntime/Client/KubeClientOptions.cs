using Microsoft.Extensions.Logging;

namespace KubeCloud.ControllerRuntime.Client;

/// <summary>Behaviour of a <see cref="KubeClient"/> that is not part of the cluster configuration.</summary>
public sealed record KubeClientOptions
{
    public RetryPolicy Retry { get; init; } = new();

    public TimeProvider Time { get; init; } = TimeProvider.System;

    public string UserAgent { get; init; } = "kubecloud-operator/0.1";

    /// <summary>How long a request (not a watch) may take, its retries included.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public ILogger? Logger { get; init; }
}
