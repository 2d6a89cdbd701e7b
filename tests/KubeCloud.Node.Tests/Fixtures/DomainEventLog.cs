using KubeCloud.Node.Hypervisor;

namespace KubeCloud.Node.Tests.Fixtures;

/// <summary>The lifecycle events the driver reports for one domain, from construction until <see cref="Dispose"/>.</summary>
public sealed class DomainEventLog : IDisposable
{
    private readonly IHypervisorDriver _driver;
    private readonly string _domainName;
    private readonly List<DomainLifecycleEvent> _events = [];

    public DomainEventLog(IHypervisorDriver driver, string domainName)
    {
        _driver = driver;
        _domainName = domainName;
        _driver.LifecycleEvent += OnEvent;
    }

    /// <summary>The events so far, in the order they arrived.</summary>
    public IReadOnlyList<DomainLifecycleEvent> Snapshot()
    {
        lock (_events)
        {
            return [.. _events];
        }
    }

    public void Dispose() => _driver.LifecycleEvent -= OnEvent;

    private void OnEvent(object? sender, DomainLifecycleEvent e)
    {
        if (e.DomainName == _domainName)
        {
            lock (_events)
            {
                _events.Add(e);
            }
        }
    }
}
