using KubeCloud.Api.V1Alpha1;
using KubeCloud.Operator.Volumes;
using static KubeCloud.Operator.Tests.Fixtures.Build;

namespace KubeCloud.Operator.Tests.Volumes;

public sealed class VolumeStatesTests
{
    [Theory]
    [InlineData(null, false, VolumeLifecyclePhase.Creating)]
    [InlineData(VolumePhase.Available, false, VolumeLifecyclePhase.Available)]
    [InlineData(VolumePhase.InUse, true, VolumeLifecyclePhase.InUse)]
    [InlineData(VolumePhase.Reserved, false, VolumeLifecyclePhase.Reserved)]
    [InlineData(VolumePhase.Attaching, false, VolumeLifecyclePhase.Attaching)]
    [InlineData(VolumePhase.Detaching, true, VolumeLifecyclePhase.Detaching)]
    [InlineData(VolumePhase.Error, false, VolumeLifecyclePhase.Error)]
    [InlineData(VolumePhase.Deleting, false, VolumeLifecyclePhase.Deleting)]
    public void Reads_the_state_machine_view_back_from_the_status(VolumePhase? phase, bool attachedAt, VolumeLifecyclePhase expected)
    {
        var volume = Volume("p1", "v", configure: v => v.Status = phase is null ? null : new VolumeStatus
        {
            Phase = phase,
            Attachments = phase is VolumePhase.InUse or VolumePhase.Reserved or VolumePhase.Attaching or VolumePhase.Detaching
                ? [new VolumeAttachment { Server = "vm1", Node = phase == VolumePhase.Reserved ? null : "n1", AttachedAt = attachedAt ? DateTimeOffset.UnixEpoch : null }]
                : null,
        });

        var state = VolumeStates.FromStatus(volume);

        Assert.Equal(expected, state.Phase);
    }

    [Fact]
    public void A_volume_read_back_in_use_refuses_a_second_server_and_deletion()
    {
        var state = VolumeStates.FromStatus(VolumeAttachedTo("p1", "v", false, "vm1"));
        Assert.Equal("the volume is in use by server vm1 and is not multiattach", VolumeStateMachine.Apply(state, new VolumeEvent.Reserve("vm2")).Reason);
        Assert.False(VolumeStateMachine.Apply(state, new VolumeEvent.Delete()).Allowed);
        Assert.True(VolumeStateMachine.Apply(state, new VolumeEvent.BeginDetach("vm1")).Allowed);
    }
}
