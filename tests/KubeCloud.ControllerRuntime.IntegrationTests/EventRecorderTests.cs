using k8s;
using k8s.Models;
using KubeCloud.ControllerRuntime.Events;

namespace KubeCloud.ControllerRuntime.IntegrationTests;

public sealed class EventRecorderTests
{
    [Fact]
    public async Task Repeated_events_become_one_Event_with_a_series_count()
    {
        await using var cluster = await TestCluster.StartAsync();
        using var client = cluster.NewClient();
        var server = await client.CreateAsync(TestCluster.NewServer("a", "web"));
        await using var recorder = new EventRecorder(client, "kubecloud.io/operator", "operator-0");

        for (var i = 0; i < 3; i++)
        {
            await recorder.RecordAsync(server, EventTypes.Warning, "NoValidHost", "Schedule", "RamFilter removed 3 of 3 hosts");
        }

        await recorder.RecordAsync(server, EventTypes.Normal, "Scheduled", "Schedule", "assigned to node-1");

        var events = (await client.ListAsync<Eventsv1Event>("a")).Items!;
        Assert.Equal(2, events.Count);
        var warning = events.Single(e => e.Reason == "NoValidHost");
        Assert.Equal(3, warning.Series!.Count);
        Assert.Equal("Server", warning.Regarding!.Kind);
        Assert.Equal(server.Metadata.Uid, warning.Regarding.Uid);
        Assert.Equal("kubecloud.io/operator", warning.ReportingController);
        Assert.Null(events.Single(e => e.Reason == "Scheduled").Series);
    }

    [Fact]
    public async Task Record_queues_and_returns_and_dispose_writes_the_queue_with_the_same_de_duplication()
    {
        await using var cluster = await TestCluster.StartAsync();
        using var client = cluster.NewClient();
        var server = await client.CreateAsync(TestCluster.NewServer("b", "db"));
        var recorder = new EventRecorder(client, "kubecloud.io/operator", "operator-0");

        for (var i = 0; i < 4; i++)
        {
            Assert.True(recorder.Record(server, EventTypes.Warning, "NoValidHost", "Schedule", "no host has 64 GiB free"));
        }

        Assert.True(recorder.Record(server, EventTypes.Normal, "Scheduled", "Schedule", "assigned to node-2"));
        await recorder.DisposeAsync();
        Assert.False(recorder.Record(server, EventTypes.Normal, "Late", "Schedule", "after dispose"));

        var events = (await client.ListAsync<Eventsv1Event>("b")).Items!;
        Assert.Equal(2, events.Count);
        Assert.Equal(4, events.Single(e => e.Reason == "NoValidHost").Series!.Count);
        Assert.Null(events.Single(e => e.Reason == "Scheduled").Series);
        Assert.Equal(1, recorder.Dropped);
    }
}
