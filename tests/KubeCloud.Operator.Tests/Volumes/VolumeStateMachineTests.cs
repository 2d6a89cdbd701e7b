using KubeCloud.Operator.Volumes;
using static KubeCloud.Operator.Volumes.VolumeEvent;

namespace KubeCloud.Operator.Tests.Volumes;

public sealed class VolumeStateMachineTests
{
    private static VolumeState Available(bool multiattach = false) => new(VolumeStage.Ready, multiattach, []);

    private static VolumeState Holding(bool multiattach, params (string Server, AttachmentProgress Progress)[] attachments) =>
        new(VolumeStage.Ready, multiattach, [.. attachments.Select(a => new AttachmentState(a.Server, a.Progress))]);

    private static VolumeState Run(VolumeState state, params VolumeEvent[] events)
    {
        foreach (var change in events)
        {
            var step = VolumeStateMachine.Apply(state, change);
            Assert.True(step.Allowed, $"{change} refused: {step.Reason}");
            state = step.State;
        }

        return state;
    }

    [Fact]
    public void The_whole_life_of_a_volume()
    {
        var state = VolumeState.New();
        Assert.Equal(VolumeLifecyclePhase.Creating, state.Phase);
        var phases = new List<VolumeLifecyclePhase>();
        foreach (var change in new VolumeEvent[] { new Created(), new Reserve("vm1"), new BeginAttach("vm1"), new Attached("vm1"), new BeginDetach("vm1"), new Detached("vm1"), new Delete() })
        {
            state = Run(state, change);
            phases.Add(state.Phase);
        }

        Assert.Equal([VolumeLifecyclePhase.Available, VolumeLifecyclePhase.Reserved, VolumeLifecyclePhase.Attaching, VolumeLifecyclePhase.InUse, VolumeLifecyclePhase.Detaching, VolumeLifecyclePhase.Available, VolumeLifecyclePhase.Deleting], phases);
    }

    private static readonly Dictionary<string, (VolumeState State, VolumeEvent Event, string Reason)> Refusals = new()
    {
        ["second server on a single-attach volume"] = (Holding(false, ("vm1", AttachmentProgress.Attached)), new Reserve("vm2"), "the volume is in use by server vm1 and is not multiattach"),
        ["second server while the first only reserved"] = (Holding(false, ("vm1", AttachmentProgress.Reserved)), new Reserve("vm2"), "the volume is in use by server vm1 and is not multiattach"),
        ["delete while attached"] = (Holding(true, ("vm1", AttachmentProgress.Attached), ("vm2", AttachmentProgress.Attaching)), new Delete(), "the volume is attached to server(s) vm1, vm2; detach it first"),
        ["delete while reserved"] = (Holding(false, ("vm1", AttachmentProgress.Reserved)), new Delete(), "the volume is attached to server(s) vm1; detach it first"),
        ["delete while creating"] = (VolumeState.New(), new Delete(), "the volume is still being created; it can be deleted once Available or in Error"),
        ["attach while creating"] = (VolumeState.New(), new Reserve("vm1"), "the volume is still being created; it can be attached once Available"),
        ["attach in error"] = (new VolumeState(VolumeStage.Error, false, []), new Reserve("vm1"), "the volume is Error; it cannot be attached"),
        ["anything while deleting"] = (new VolumeState(VolumeStage.Deleting, false, []), new Reserve("vm1"), "the volume is being deleted"),
        ["attach without reservation"] = (Available(), new BeginAttach("vm1"), "server vm1 has not reserved the volume"),
        ["attached without attaching"] = (Holding(false, ("vm1", AttachmentProgress.Reserved)), new Attached("vm1"), "server vm1 is not attaching the volume"),
        ["detach while attaching"] = (Holding(false, ("vm1", AttachmentProgress.Attaching)), new BeginDetach("vm1"), "server vm1 is still attaching the volume; detach once it is attached"),
        ["unreserve an attached volume"] = (Holding(false, ("vm1", AttachmentProgress.Attached)), new Unreserve("vm1"), "server vm1 is attached to the volume; detach it instead"),
        ["detached without detaching"] = (Holding(false, ("vm1", AttachmentProgress.Attached)), new Detached("vm1"), "server vm1 is attached to the volume, not detaching it"),
        ["created twice over an attached error"] = (new VolumeState(VolumeStage.Error, false, [new AttachmentState("vm1", AttachmentProgress.Attached)]), new Created(), "the volume is Error; only a volume being created can finish creation"),
        ["create failed when ready"] = (Available(), new CreateFailed("disk full"), "the volume is Available, not being created"),
        ["delete failed when not deleting"] = (Available(), new DeleteFailed("busy"), "the volume is Available, not being deleted"),
    };

    public static TheoryData<string> RefusalCases => [.. Refusals.Keys];

    [Theory]
    [MemberData(nameof(RefusalCases))]
    public void Refuses_with_a_reason_and_keeps_the_state(string name)
    {
        var (state, change, reason) = Refusals[name];
        var result = VolumeStateMachine.Apply(state, change);
        Assert.False(result.Allowed);
        Assert.Equal(reason, result.Reason);
        Assert.Same(state, result.State);
    }

    [Fact]
    public void Multiattach_lets_several_servers_in_and_the_phase_shows_the_busiest()
    {
        var state = Run(VolumeState.New(multiattach: true), new Created(), new Reserve("vm1"), new BeginAttach("vm1"), new Attached("vm1"), new Reserve("vm2"));
        Assert.Equal(VolumeLifecyclePhase.InUse, state.Phase);
        state = Run(state, new BeginAttach("vm2"));
        Assert.Equal(VolumeLifecyclePhase.Attaching, state.Phase);
        state = Run(state, new Attached("vm2"), new BeginDetach("vm1"), new Detached("vm1"));
        Assert.Equal(VolumeLifecyclePhase.InUse, state.Phase);
        Assert.Equal(["vm2"], state.Attachments.Select(a => a.Server));
    }

    public static TheoryData<string> ReplayCases => [.. Replays.Keys];

    private static readonly Dictionary<string, (VolumeState State, VolumeEvent Event)> Replays = new()
    {
        ["created again"] = (Available(), new Created()),
        ["reserve again"] = (Holding(false, ("vm1", AttachmentProgress.Reserved)), new Reserve("vm1")),
        ["attach again"] = (Holding(false, ("vm1", AttachmentProgress.Attached)), new BeginAttach("vm1")),
        ["attached again"] = (Holding(false, ("vm1", AttachmentProgress.Attached)), new Attached("vm1")),
        ["detach again"] = (Holding(false, ("vm1", AttachmentProgress.Detaching)), new BeginDetach("vm1")),
        ["detached again"] = (Available(), new Detached("vm1")),
        ["detach a server that never attached"] = (Available(), new BeginDetach("vm9")),
        ["delete again"] = (new VolumeState(VolumeStage.Deleting, false, []), new Delete()),
    };

    [Theory]
    [MemberData(nameof(ReplayCases))]
    public void Replaying_an_event_that_already_happened_changes_nothing(string name)
    {
        var (state, change) = Replays[name];
        var result = VolumeStateMachine.Apply(state, change);
        Assert.True(result.Allowed, result.Reason);
        Assert.Equal(state.Phase, result.State.Phase);
        Assert.Equal(state.Attachments, result.State.Attachments);
    }

    [Fact]
    public void A_failed_attach_frees_the_volume_and_an_error_can_be_deleted()
    {
        var state = Run(Available(), new Reserve("vm1"), new BeginAttach("vm1"), new AttachFailed("vm1"));
        Assert.Equal(VolumeLifecyclePhase.Available, state.Phase);
        state = Run(VolumeState.New(), new CreateFailed("no space"), new Delete(), new DeleteFailed("target busy"), new Delete());
        Assert.Equal(VolumeLifecyclePhase.Deleting, state.Phase);
    }
}
