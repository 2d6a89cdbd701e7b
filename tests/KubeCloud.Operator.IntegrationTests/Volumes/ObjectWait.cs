using k8s;
using k8s.Models;
using KubeCloud.ControllerRuntime.Client;

namespace KubeCloud.Operator.IntegrationTests.Volumes;

/// <summary>Waits until an object read from the API server satisfies a test's expectation (null: the object is gone).</summary>
public static class ObjectWait
{
    public static async Task<T?> UntilAsync<T>(IKubeClient client, string name, string? ns, Func<T?, bool> expectation, string what)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        T? last = null;
        try
        {
            await OperatorCluster.EventuallyAsync(async () =>
        {
            try
            {
                last = await client.GetAsync<T>(name, ns);
            }
            catch (NotFoundException)
            {
                last = null;
            }

            return expectation(last);
        }, $"{typeof(T).Name} {ns}/{name}: {what}");
        }
        catch (Xunit.Sdk.FailException e)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}; last seen: {(last is null ? "(gone)" : KubernetesJson.Serialize(last))}");
        }

        return last;
    }

    /// <summary>The events.k8s.io/v1 Events about an object with a reason, as kubectl describe lists them.</summary>
    public static async Task<IReadOnlyList<Eventsv1Event>> EventsAsync(IKubeClient client, string ns, string name, string reason) =>
        [.. ((await client.ListAsync<Eventsv1Event>(ns)).Items ?? []).Where(e => e.Regarding?.Name == name && e.Reason == reason)];
}
