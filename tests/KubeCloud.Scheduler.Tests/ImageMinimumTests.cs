using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Scheduler.Requests;
using KubeCloud.Scheduler.Tests.Fixtures;

namespace KubeCloud.Scheduler.Tests;

/// <summary>A named row: flavor sizes, image minimums, boot source, and nova's verdict (null: accepted).</summary>
public sealed record ImageMinimumCase(string Name, string Memory, string RootDisk, string? MinMemory, string? MinDisk, bool BootFromVolume, FlavorTooSmallReason? Refused, string[] Mentions)
{
    public override string ToString() => Name;
}

public sealed class ImageMinimumTests
{
    public static TheoryData<ImageMinimumCase> Cases => new()
    {
        new ImageMinimumCase("no minimums", "512Mi", "1Gi", null, null, false, null, []),
        new ImageMinimumCase("memory equal to minMemory", "1Gi", "20Gi", "1024Mi", null, false, null, []),
        new ImageMinimumCase("memory above minMemory", "2Gi", "20Gi", "1Gi", null, false, null, []),
        new ImageMinimumCase("memory below minMemory", "512Mi", "20Gi", "1Gi", null, false, FlavorTooSmallReason.FlavorMemoryTooSmall, ["m1.test", "spec.memory 512Mi (512 MiB)", "demo/debian", "spec.minMemory 1Gi (1024 MiB)"]),
        new ImageMinimumCase("memory is checked when booting from a volume too", "512Mi", "0", "1Gi", null, true, FlavorTooSmallReason.FlavorMemoryTooSmall, ["FlavorMemoryTooSmall"]),
        new ImageMinimumCase("root disk equal to minDisk", "2Gi", "20Gi", null, "20Gi", false, null, []),
        new ImageMinimumCase("root disk below minDisk", "2Gi", "10Gi", null, "20Gi", false, FlavorTooSmallReason.FlavorDiskSmallerThanMinDisk, ["m1.test", "spec.rootDisk 10Gi (10240 MiB)", "demo/debian", "spec.minDisk 20Gi (20480 MiB)"]),
        new ImageMinimumCase("root disk 0 takes minDisk instead (nova)", "2Gi", "0", null, "20Gi", false, null, []),
        new ImageMinimumCase("boot from volume skips minDisk (nova)", "2Gi", "10Gi", null, "20Gi", true, null, []),
        new ImageMinimumCase("memory is checked before disk", "512Mi", "10Gi", "1Gi", "20Gi", false, FlavorTooSmallReason.FlavorMemoryTooSmall, ["minMemory"]),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_flavor_smaller_than_the_image_needs_is_refused_before_scheduling(ImageMinimumCase c)
    {
        var flavor = ApiObjects.Flavor("m1.test", memory: c.Memory, rootDisk: c.RootDisk);
        var image = new Image { Metadata = new() { Name = "debian", NamespaceProperty = "demo" } };
        image.Spec.MinMemory = c.MinMemory is null ? null : Quantity.Parse(c.MinMemory);
        image.Spec.MinDisk = c.MinDisk is null ? null : Quantity.Parse(c.MinDisk);
        var server = ApiObjects.Server("vm1");
        if (c.BootFromVolume)
        {
            server.Spec.ImageRef = null;
            server.Spec.BootVolumeRef = new LocalObjectReference { Name = "root" };
        }

        var create = () => ScheduleRequestFactory.Create(server, flavor, image, null, _ => null);
        if (c.Refused is null)
        {
            Assert.Equal("demo/vm1", create().ServerKey);
            return;
        }

        var error = Assert.Throws<FlavorTooSmallException>(create);
        Assert.Equal(c.Refused, error.Reason);
        Assert.Contains(c.Refused.ToString()!, error.Message, StringComparison.Ordinal);
        foreach (var mention in c.Mentions)
        {
            Assert.True(error.Message.Contains(mention, StringComparison.Ordinal), $"{c.Name}: '{error.Message}' should mention '{mention}'");
        }
    }
}
