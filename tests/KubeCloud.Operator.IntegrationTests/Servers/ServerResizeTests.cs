using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Operator.Controllers.Servers;

namespace KubeCloud.Operator.IntegrationTests.Servers;

public sealed class ServerResizeTests
{
    [Fact]
    public async Task A_resize_that_fits_stays_on_its_node_and_is_confirmed_and_one_that_does_not_moves_and_is_reverted()
    {
        // 8 GiB nodes less nova's 512 MiB reserved: 1 + 2 GiB fit on one node, 2 + 6 GiB do not.
        await using var bed = await ServerTestBed.StartAsync(nodes: 2, nodeOptions: new NodeSimulatorOptions { Memory = Quantity.Parse("8Gi") });
        await bed.CreateFlavorAsync("medium", 1, "2Gi");
        await bed.CreateFlavorAsync("large", 1, "6Gi");
        await bed.CreateAsync(ServerTestBed.NewServer("vm", network: false));
        var node = (await bed.WaitForPhaseAsync("vm", ServerPhase.Active)).Status!.Node!;
        var uid = (await bed.GetAsync("vm")).Metadata.Uid;

        await bed.PatchSpecAsync("vm", new { flavorRef = new { name = "medium" } });
        var resized = await bed.WaitForAsync("vm", s => s.Status?.Resize is not null && Conditions.Find(s.Status, ConditionTypes.Ready)?.Reason == "ResizeAwaitingConfirmation", "resized, awaiting confirmation");
        Assert.Equal((node, "small"), (resized.Status!.Resize!.SourceNode, resized.Status.Resize.OldFlavor.Name));
        Assert.Equal((node, "medium"), (resized.Status.Node, resized.Status.Flavor!.Name));
        Assert.Equal(3072, bed.Placement.Ledger.UsageOf(node).MemoryMb);

        await bed.AnnotateAsync("vm", ServerReconciler.ResizeAnnotation, "confirm");
        var confirmed = await bed.WaitForAsync("vm", s => s.Status?.Resize is null && Conditions.IsTrue(s.Status, ConditionTypes.Ready), "resize confirmed");
        Assert.Equal("medium", confirmed.Status!.Flavor!.Name);
        Assert.Equal(2048, bed.Placement.Ledger.UsageOf(node).MemoryMb);

        await bed.AnnotateAsync("vm", ServerReconciler.ResizeAnnotation, null);
        await bed.PatchSpecAsync("vm", new { flavorRef = new { name = "large" } });
        var moved = await bed.WaitForAsync("vm", s => s.Status?.Resize is not null && Conditions.Find(s.Status, ConditionTypes.Ready)?.Reason == "ResizeAwaitingConfirmation", "resized onto another node");
        var target = moved.Status!.Node!;
        Assert.NotEqual(node, target);
        Assert.Equal(target, moved.Metadata.Labels[ApiGroup.NodeLabel]);
        Assert.Equal((2048L, 6144L), (bed.Placement.Ledger.UsageOf(node).MemoryMb, bed.Placement.Ledger.UsageOf(target).MemoryMb));

        await bed.PatchSpecAsync("vm", new { flavorRef = new { name = "medium" } });
        var reverted = await bed.WaitForAsync("vm", s => s.Status?.Resize is null && s.Status!.Node == node && Conditions.IsTrue(s.Status, ConditionTypes.Ready), "resize reverted");
        Assert.Equal("medium", reverted.Status!.Flavor!.Name);
        Assert.Equal(node, reverted.Metadata.Labels[ApiGroup.NodeLabel]);
        Assert.Equal((2048L, 0L), (bed.Placement.Ledger.UsageOf(node).MemoryMb, bed.Placement.Ledger.UsageOf(target).MemoryMb));
        Assert.Equal(node, bed.Placement.Ledger.AllocationOf(uid)!.Host);
    }
}
