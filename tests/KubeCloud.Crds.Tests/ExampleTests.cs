using System.Text.Json.Nodes;
using KubeCloud.Crds.Validation;
using KubeCloud.Crds.Yaml;
using KubeCloud.Testing;

namespace KubeCloud.Crds.Tests;

/// <summary>Every manifest in examples/ is accepted by the generated CRDs.</summary>
public sealed class ExampleTests
{
    private static readonly string ExamplesFolder = Path.Combine(RepositoryRoot.Path, "examples");

    public static TheoryData<string> ExampleFiles =>
        [.. Directory.GetFiles(ExamplesFolder, "*.yaml").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(ExampleFiles))]
    public void Example_validates_against_its_crd(string file)
    {
        var documents = YamlJsonReader.ReadAll(File.ReadAllText(Path.Combine(ExamplesFolder, file)));
        Assert.NotEmpty(documents);

        foreach (var manifest in documents)
        {
            var name = $"{file}: {manifest["kind"]} {manifest["metadata"]?["name"]}";
            if (manifest["apiVersion"]?.GetValue<string>()?.EndsWith("kubecloud.io/v1alpha1", StringComparison.Ordinal) != true)
            {
                // Built-in kinds (Namespace) are validated by the API server, not by a CRD.
                Assert.True(manifest["apiVersion"]?.GetValue<string>() == "v1", $"{name}: an unexpected kind");
                continue;
            }

            Assert.True(GeneratedCrds.TryFor(manifest, out var validator), $"{name}: no CRD for it");
            var strict = validator.Validate(manifest, UnknownFieldMode.Strict);
            Assert.True(strict.IsValid, $"{name}:\n{strict}");

            validator.Default(manifest);
            var defaulted = validator.Validate(manifest, UnknownFieldMode.Strict);
            Assert.True(defaulted.IsValid, $"{name} after defaulting:\n{defaulted}");
        }
    }

    [Fact]
    public void The_examples_cover_the_first_things_a_user_applies()
    {
        var kinds = Directory.GetFiles(ExamplesFolder, "*.yaml")
            .SelectMany(f => YamlJsonReader.ReadAll(File.ReadAllText(f)))
            .Select(m => $"{m["kind"]}/{m["metadata"]!["name"]}")
            .ToHashSet();

        string[] expected =
        [
            "Namespace/demo", "Flavor/m1.tiny", "Flavor/m1.small", "Flavor/m1.medium", "Flavor/m1.large", "Image/debian-12",
            "Network/tenant", "Server/web-1", "Volume/data", "ServerGroup/web", "ProjectQuota/quota",
        ];
        Assert.Empty(expected.Except(kinds));
    }

    [Theory]
    [InlineData("m1.tiny", 1, "512Mi", "1Gi")]
    [InlineData("m1.small", 1, "2Gi", "20Gi")]
    [InlineData("m1.medium", 2, "4Gi", "40Gi")]
    [InlineData("m1.large", 4, "8Gi", "80Gi")]
    public void Flavors_have_novas_sizes(string name, int vcpus, string memory, string rootDisk)
    {
        var flavor = YamlJsonReader.ReadAll(File.ReadAllText(Path.Combine(ExamplesFolder, "01-flavors.yaml")))
            .Single(f => f["metadata"]!["name"]!.GetValue<string>() == name);

        Assert.Equal(vcpus, flavor["spec"]!["vcpus"]!.GetValue<long>());
        Assert.Equal(memory, flavor["spec"]!["memory"]!.GetValue<string>());
        Assert.Equal(rootDisk, flavor["spec"]!["rootDisk"]!.GetValue<string>());
    }

    [Fact]
    public void Defaulting_fills_in_what_the_examples_leave_out()
    {
        var volume = YamlJsonReader.Read(File.ReadAllText(Path.Combine(ExamplesFolder, "05-volume-data.yaml")));

        GeneratedCrds.For("kubecloud.io/v1alpha1", "Volume").Default(volume);

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"size":"10Gi","multiattach":false}"""), volume["spec"]));
    }
}
