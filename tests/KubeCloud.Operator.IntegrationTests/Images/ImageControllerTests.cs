using k8s.Models;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;
using KubeCloud.Operator.Controllers;
using KubeCloud.Operator.Controllers.Images;

namespace KubeCloud.Operator.IntegrationTests.Images;

/// <summary>One cluster, operator (retries from 100 ms, 2 s timeout, 2 sources read at once, at most <see cref="MaxSize"/> bytes) and loopback image source for the image cases.</summary>
public sealed class ImageCluster : IAsyncLifetime
{
    public const long MaxSize = 8192;

    public const int Readers = 2;

    public OperatorCluster Cluster { get; private set; } = null!;

    public KubeClient Client { get; private set; } = null!;

    public ImageSourceServer Source { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Source = await ImageSourceServer.StartAsync();
        Cluster = await OperatorCluster.StartAsync();
        Client = Cluster.NewClient();
        await Cluster.StartOperatorAsync(s => (s.ImageSourceRetryDelay, s.ImageSourceTimeout, s.ImageDigestConcurrency, s.ImageMaxSize) =
            (TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2), Readers, MaxSize));
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Cluster.DisposeAsync();
        await Source.DisposeAsync();
    }
}

/// <summary>The Image controller against the local API server and a loopback image source.</summary>
public sealed class ImageControllerTests(ImageCluster fixture) : IClassFixture<ImageCluster>
{
    private const string Project = "project-a";

    public static TheoryData<string, string, ImagePhase, ConditionStatus, string, string> Sources => new()
    {
        { "answers with its size", "/ok.qcow2", ImagePhase.Available, ConditionStatus.True, ImageSourceProbe.Available, $"/ok.qcow2 answered 200 with 4096 bytes, sha256 {ImageSourceServer.Sha256}" },
        { "larger than the operator reads", "/big.qcow2", ImagePhase.Error, ConditionStatus.False, ImageSourceProbe.TooLarge, "/big.qcow2 answered 200 with 16384 bytes, more than the operator reads (8192 bytes, --image-max-size)" },
        { "breaks off while sending", "/short.qcow2", ImagePhase.Pending, ConditionStatus.False, ImageSourceProbe.Unreachable, "/short.qcow2" }, // "broke off while sending", or "is unreachable" when the abort beats the headers
        { "not found", "/missing.qcow2", ImagePhase.Error, ConditionStatus.False, ImageSourceProbe.NotFound, "/missing.qcow2 answered 404 Not Found: no file there" },
        { "no content length", "/nosize.qcow2", ImagePhase.Error, ConditionStatus.False, ImageSourceProbe.SizeUnknown, "/nosize.qcow2 answered 200 without a Content-Length" },
        { "forbidden", "/forbidden.qcow2", ImagePhase.Error, ConditionStatus.False, ImageSourceProbe.Refused, "/forbidden.qcow2 answered 403 Forbidden" },
    };

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task An_image_source_is_read_for_its_size_and_sha256(string name, string path, ImagePhase phase, ConditionStatus ready, string reason, string message)
    {
        var image = await CreateAsync(name.Replace(' ', '-'), fixture.Source.Url(path));
        image = await WaitForAsync(image.Metadata.Name, i => Conditions.Find(i.Status, ConditionTypes.Ready)?.Reason == reason, $"{name}: reason {reason}");

        Assert.Equal(phase, image.Status!.Phase);
        var condition = Conditions.Find(image.Status, ConditionTypes.Ready)!;
        Assert.Equal(ready, condition.Status);
        Assert.Contains(message, condition.Message, StringComparison.Ordinal);
        Assert.Equal(phase == ImagePhase.Available ? ImageSourceServer.Size : null, image.Status.Size);
        Assert.Equal(phase == ImagePhase.Available ? ImageSourceServer.Sha256 : null, image.Status.Checksum);
        Assert.Equal(image.Metadata.Generation, image.Status.ObservedGeneration);
    }

    [Fact]
    public async Task A_spec_checksum_that_disagrees_with_the_bytes_is_Error_naming_both_and_one_that_agrees_is_Available()
    {
        var wrong = new string('a', 64);
        await fixture.Client.CreateAsync(new Image
        {
            Metadata = new V1ObjectMeta { Name = "mismatch", NamespaceProperty = Project },
            Spec = new ImageSpec { Source = new ImageSource { Url = fixture.Source.Url("/ok.qcow2") }, Checksum = wrong },
        });
        await fixture.Client.CreateAsync(new Image
        {
            Metadata = new V1ObjectMeta { Name = "agrees", NamespaceProperty = Project },
            Spec = new ImageSpec { Source = new ImageSource { Url = fixture.Source.Url("/ok.qcow2") }, Checksum = ImageSourceServer.Sha256 },
        });

        var image = await WaitForAsync("mismatch", i => Conditions.Find(i.Status, ConditionTypes.Ready)?.Reason == ImageReconciler.ChecksumMismatch, "reason ChecksumMismatch");
        Assert.Equal(ImagePhase.Error, image.Status!.Phase);
        Assert.Equal(ImageSourceServer.Sha256, image.Status.Checksum);
        Assert.Equal($"spec.checksum is {wrong} but the 4096 bytes at {fixture.Source.Url("/ok.qcow2")} have sha256 {ImageSourceServer.Sha256}: fix the file at the source or the Image's checksum",
            Conditions.Find(image.Status, ConditionTypes.Ready)!.Message);
        image = await WaitForAsync("agrees", i => i.Status?.Phase == ImagePhase.Available, "the image whose checksum agrees Available");
        Assert.Equal(ImageSourceServer.Sha256, image.Status!.Checksum);
    }

    [Fact]
    public async Task Sources_are_read_at_most_the_configured_number_at_once()
    {
        var names = Enumerable.Range(0, ImageCluster.Readers + 2).Select(i => $"slow-{i}").ToList();
        foreach (var name in names)
        {
            await CreateAsync(name, fixture.Source.Url($"/{name}.qcow2"));
        }

        await OperatorCluster.EventuallyAsync(() => fixture.Source.InFlight == ImageCluster.Readers, $"{ImageCluster.Readers} sources being read");
        fixture.Source.OpenGate();
        foreach (var name in names)
        {
            await WaitForAsync(name, i => i.Status?.Phase == ImagePhase.Available, $"{name} Available");
        }

        Assert.Equal(ImageCluster.Readers, fixture.Source.MaxInFlight);
    }

    [Fact]
    public async Task An_unreachable_source_leaves_the_image_pending_and_is_asked_again()
    {
        var image = await CreateAsync("unreachable", ImageSourceServer.Unreachable());
        image = await WaitForAsync("unreachable", i => Conditions.Find(i.Status, ConditionTypes.Ready)?.Reason == ImageSourceProbe.Unreachable, "reason SourceUnreachable");
        Assert.Equal(ImagePhase.Pending, image.Status!.Phase);
        Assert.Contains("is unreachable", Conditions.Find(image.Status, ConditionTypes.Ready)!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_source_that_appears_later_is_found_by_the_retries()
    {
        await CreateAsync("later", fixture.Source.Url("/later.qcow2"));
        await WaitForAsync("later", i => i.Status?.Phase == ImagePhase.Error, "the image in Error while its source is missing");
        await OperatorCluster.EventuallyAsync(() => fixture.Source.Requests("/later.qcow2") >= 2, "the source asked again");

        fixture.Source.Publish();
        var image = await WaitForAsync("later", i => i.Status?.Phase == ImagePhase.Available, "the image Available once its source answers");
        Assert.Equal(ImageSourceServer.Size, image.Status!.Size);
        var asked = fixture.Source.Requests("/later.qcow2");
        await fixture.Client.PatchAsync<Image>("later", Project, KubePatch.Merge(new { metadata = new { labels = new Dictionary<string, string> { ["touched"] = "yes" } } }));
        await WaitForAsync("later", i => i.Metadata.Labels?.ContainsKey("touched") == true, "the label seen");
        Assert.Equal(asked, fixture.Source.Requests("/later.qcow2")); // an Available image's immutable source is not asked again
    }

    [Fact]
    public async Task A_shared_image_names_the_namespaces_of_sharedWith_that_do_not_exist_until_they_do()
    {
        var image = new Image
        {
            Metadata = new V1ObjectMeta { Name = "shared", NamespaceProperty = Project },
            Spec = new ImageSpec { Source = new ImageSource { Url = fixture.Source.Url("/ok.qcow2") }, Visibility = ImageVisibility.Shared, SharedWith = ["project-b", "project-z"] },
        };
        await fixture.Client.CreateAsync(image);
        image = await WaitForAsync("shared", i => Conditions.Find(i.Status, ImageReconciler.SharedCondition)?.Reason == ImageReconciler.NamespaceNotFound, "Shared False");
        Assert.Equal("spec.sharedWith: no namespace project-z; the image is shared with the others only", Conditions.Find(image.Status, ImageReconciler.SharedCondition)!.Message);
        Assert.Equal(ImagePhase.Available, image.Status!.Phase);

        await fixture.Client.CreateAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "project-z" } });
        image = await WaitForAsync("shared", i => Conditions.Find(i.Status, ImageReconciler.SharedCondition)?.Status == ConditionStatus.True, "Shared True once the namespace exists");
        Assert.Equal("shared with project-b, project-z", Conditions.Find(image.Status, ImageReconciler.SharedCondition)!.Message);

        await fixture.Client.PatchAsync<Image>("shared", Project, KubePatch.Merge(System.Text.Json.Nodes.JsonNode.Parse("""{"spec":{"visibility":"private","sharedWith":null}}""")!));
        await WaitForAsync("shared", i => Conditions.Find(i.Status, ImageReconciler.SharedCondition) is null && i.Status!.ObservedGeneration == i.Metadata.Generation,
            "no Shared condition on a private image");
    }

    private Task<Image> CreateAsync(string name, string url) => fixture.Client.CreateAsync(new Image
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Project },
        Spec = new ImageSpec { Source = new ImageSource { Url = url } },
    });

    private async Task<Image> WaitForAsync(string name, Func<Image, bool> condition, string what)
    {
        Image? image = null;
        await OperatorCluster.EventuallyAsync(async () => condition(image = await fixture.Client.GetAsync<Image>(name, Project)), what);
        return image!;
    }
}
