using k8s;
using k8s.Models;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.ControllerRuntime.Observability;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KubeCloud.ControllerRuntime.LeaderElection;

/// <summary>
/// client-go's leader election on a coordination.k8s.io/v1 Lease. A candidate takes the lease when it is free or when
/// its holder has not renewed for <c>LeaseDuration</c> as measured on the candidate's own clock (from when it last saw
/// the lease change, so clock skew does not matter). Writes carry the lease's resourceVersion, so of two candidates
/// only one wins. The leader renews every <c>RetryPeriod</c>; when it cannot renew within <c>RenewDeadline</c> it stops
/// its work (the token handed to it is cancelled and awaited) before anyone else may take over, because
/// <c>RenewDeadline &lt; LeaseDuration</c>.
/// </summary>
public sealed class LeaderElector
{
    private readonly IKubeClient _client;
    private readonly LeaderElectionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private string? _observedHolder;
    private DateTimeOffset? _observedRenewTime;
    private long _observedAt;
    private volatile bool _isLeader;

    public LeaderElector(IKubeClient client, LeaderElectionOptions options, ILogger? logger = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _client = client;
        _options = options;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        RuntimeMetrics.TrackLeaderElector(this, () => (options.LeaseName, _isLeader));
    }

    public string Identity => _options.Identity;

    public bool IsLeader => _isLeader;

    /// <summary>The holder of the lease as this candidate last read it (client-go's <c>GetLeader</c>); null before the first read.</summary>
    public string? ObservedHolder => Volatile.Read(ref _observedHolder);

    /// <summary>
    /// Campaigns until <paramref name="cancellationToken"/> fires. Each time it becomes leader it runs
    /// <paramref name="lead"/> with a token that is cancelled when leadership is lost or on shutdown, and waits for it to
    /// return before campaigning again.
    /// </summary>
    public async Task RunAsync(Func<CancellationToken, Task> lead, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lead);
        while (!cancellationToken.IsCancellationRequested)
        {
            if (!await AcquireAsync(cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            using var term = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            SetLeader(true);
            _logger.LogInformation("{Identity} became leader of lease {Namespace}/{Lease}", Identity, _options.LeaseNamespace, _options.LeaseName);
            var work = RunLeaderWorkAsync(lead, term.Token);
            await RenewUntilLostAsync(term, cancellationToken).ConfigureAwait(false);
            await term.CancelAsync().ConfigureAwait(false);
            await work.ConfigureAwait(false);
            SetLeader(false);
            if (cancellationToken.IsCancellationRequested)
            {
                if (_options.ReleaseOnCancel)
                {
                    await ReleaseAsync().ConfigureAwait(false);
                }

                return;
            }

            _logger.LogWarning("{Identity} lost leadership of lease {Namespace}/{Lease}", Identity, _options.LeaseNamespace, _options.LeaseName);
        }
    }

    private async Task RunLeaderWorkAsync(Func<CancellationToken, Task> lead, CancellationToken token)
    {
        try
        {
            await lead(token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.LogError(ex, "{Identity}: the leader's work failed", Identity);
        }
    }

    private async Task<bool> AcquireAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                if (await TryAcquireOrRenewAsync(cancellationToken).ConfigureAwait(false))
                {
                    return true;
                }

                await Task.Delay(_options.RetryPeriod, _time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shut down while campaigning.
        }

        return false;
    }

    private async Task RenewUntilLostAsync(CancellationTokenSource term, CancellationToken cancellationToken)
    {
        var lastRenew = _time.GetTimestamp();
        while (!cancellationToken.IsCancellationRequested && !term.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.RetryPeriod, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var remaining = _options.RenewDeadline - _time.GetElapsedTime(lastRenew);
            if (remaining <= TimeSpan.Zero)
            {
                return;
            }

            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attempt.CancelAfter(remaining);
            bool renewed;
            try
            {
                renewed = await TryAcquireOrRenewAsync(attempt.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                renewed = false;
            }

            if (renewed)
            {
                lastRenew = _time.GetTimestamp();
            }
            else if (_observedHolder is { Length: > 0 } holder && holder != Identity)
            {
                return;
            }
            else if (_time.GetElapsedTime(lastRenew) >= _options.RenewDeadline)
            {
                return;
            }
        }
    }

    private async Task<bool> TryAcquireOrRenewAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        try
        {
            V1Lease lease;
            try
            {
                lease = await _client.GetAsync<V1Lease>(_options.LeaseName, _options.LeaseNamespace, cancellationToken).ConfigureAwait(false);
            }
            catch (NotFoundException)
            {
                var created = await _client.CreateAsync(new V1Lease
                {
                    Metadata = new V1ObjectMeta { Name = _options.LeaseName, NamespaceProperty = _options.LeaseNamespace },
                    Spec = new V1LeaseSpec
                    {
                        HolderIdentity = Identity,
                        LeaseDurationSeconds = LeaseSeconds,
                        AcquireTime = now.UtcDateTime,
                        RenewTime = now.UtcDateTime,
                        LeaseTransitions = 0,
                    },
                }, cancellationToken: cancellationToken).ConfigureAwait(false);
                Observe(created.Spec);
                return true;
            }

            var spec = lease.Spec ??= new V1LeaseSpec();
            Observe(spec);
            var heldByOther = !string.IsNullOrEmpty(spec.HolderIdentity) && spec.HolderIdentity != Identity;
            if (heldByOther && _time.GetElapsedTime(_observedAt) < _options.LeaseDuration)
            {
                return false;
            }

            if (spec.HolderIdentity != Identity)
            {
                spec.AcquireTime = now.UtcDateTime;
                spec.LeaseTransitions = (spec.LeaseTransitions ?? 0) + 1;
            }

            spec.HolderIdentity = Identity;
            spec.LeaseDurationSeconds = LeaseSeconds;
            spec.RenewTime = now.UtcDateTime;
            var updated = await _client.UpdateAsync(lease, cancellationToken: cancellationToken).ConfigureAwait(false);
            Observe(updated.Spec);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is KubeApiException or HttpRequestException or TimeoutException or IOException)
        {
            _logger.LogDebug(ex, "{Identity}: could not acquire or renew lease {Lease}", Identity, _options.LeaseName);
            return false;
        }
    }

    private async Task ReleaseAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(_options.RenewDeadline);
            var lease = await _client.GetAsync<V1Lease>(_options.LeaseName, _options.LeaseNamespace, timeout.Token).ConfigureAwait(false);
            if (lease.Spec?.HolderIdentity != Identity)
            {
                return;
            }

            lease.Spec.HolderIdentity = null;
            lease.Spec.LeaseDurationSeconds = 1;
            lease.Spec.RenewTime = _time.GetUtcNow().UtcDateTime;
            await _client.UpdateAsync(lease, cancellationToken: timeout.Token).ConfigureAwait(false);
            _logger.LogInformation("{Identity} released lease {Namespace}/{Lease}", Identity, _options.LeaseNamespace, _options.LeaseName);
        }
        catch (Exception ex) when (ex is KubeApiException or HttpRequestException or TimeoutException or IOException or OperationCanceledException)
        {
            _logger.LogWarning(ex, "{Identity}: could not release lease {Lease}", Identity, _options.LeaseName);
        }
    }

    private void Observe(V1LeaseSpec? spec)
    {
        if (spec?.HolderIdentity != _observedHolder || spec?.RenewTime != _observedRenewTime)
        {
            _observedHolder = spec?.HolderIdentity;
            _observedRenewTime = spec?.RenewTime;
            _observedAt = _time.GetTimestamp();
        }
    }

    private int LeaseSeconds => Math.Max(1, (int)Math.Ceiling(_options.LeaseDuration.TotalSeconds));

    private void SetLeader(bool leader)
    {
        _isLeader = leader;
    }
}
