using KubeCloud.Kube.ModelGen;

namespace KubeCloud.Kube.Models.Tests;

public class GeneratorTests
{
    private static readonly string RepositoryRoot = RepositoryLayout.FindRepositoryRoot(AppContext.BaseDirectory);

    [Fact]
    public void Checked_in_models_match_the_generator_output()
    {
        var swagger = Path.GetFullPath(Path.Combine(RepositoryRoot, RepositoryLayout.SwaggerRelativePath));
        var folder = Path.Combine(RepositoryRoot, RepositoryLayout.GeneratedRelativePath);

        var expected = ModelGenerator.Generate(swagger);
        var actual = Directory.EnumerateFiles(folder, "*.cs").ToDictionary(path => Path.GetFileName(path), File.ReadAllText, StringComparer.Ordinal);

        var missing = expected.Keys.Except(actual.Keys, StringComparer.Ordinal).ToList();
        var extra = actual.Keys.Except(expected.Keys, StringComparer.Ordinal).ToList();
        var changed = expected.Keys.Intersect(actual.Keys, StringComparer.Ordinal).Where(name => expected[name] != actual[name]).ToList();
        Assert.True(
            missing.Count == 0 && extra.Count == 0 && changed.Count == 0,
            "Generated models drifted; run `dotnet run --project operator/KubeCloud.Kube.ModelGen` and commit. "
            + $"Missing: [{string.Join(", ", missing.Take(10))}] Extra: [{string.Join(", ", extra.Take(10))}] Changed: [{string.Join(", ", changed.Take(10))}]");
    }

    [Fact]
    public void Generator_writes_a_folder_identical_to_its_output()
    {
        var swagger = Path.GetFullPath(Path.Combine(RepositoryRoot, RepositoryLayout.SwaggerRelativePath));
        var folder = Directory.CreateTempSubdirectory("kube-models-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "Stale.cs"), "// left over");
            var files = ModelGenerator.Generate(swagger);

            GeneratedFolder.Write(folder, files);

            var written = Directory.EnumerateFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(files.Keys.Order(StringComparer.Ordinal), written);
            Assert.Equal(files["V1Pod.cs"], File.ReadAllText(Path.Combine(folder, "V1Pod.cs")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Colliding_definitions_keep_one_more_segment_like_the_official_client()
    {
        var names = ClassNames.Assign(
        [
            "io.k8s.api.core.v1.Event",
            "io.k8s.api.events.v1.Event",
            "io.k8s.api.core.v1.Pod",
            "io.k8s.api.apps.v1beta1.Deployment",
            "io.k8s.apimachinery.pkg.api.resource.Quantity",
            "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps",
        ]);

        Assert.Equal("Corev1Event", names["io.k8s.api.core.v1.Event"]);
        Assert.Equal("Eventsv1Event", names["io.k8s.api.events.v1.Event"]);
        Assert.Equal("V1Pod", names["io.k8s.api.core.v1.Pod"]);
        Assert.Equal("V1beta1Deployment", names["io.k8s.api.apps.v1beta1.Deployment"]);
        Assert.Equal("ResourceQuantity", names["io.k8s.apimachinery.pkg.api.resource.Quantity"]);
        Assert.Equal("V1JSONSchemaProps", names["io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps"]);
    }

    [Theory]
    [InlineData("apiVersion", "ApiVersion")]
    [InlineData("$ref", "Ref")]
    [InlineData("$schema", "Schema")]
    [InlineData("x-kubernetes-int-or-string", "XKubernetesIntOrString")]
    [InlineData("x-kubernetes-validations", "XKubernetesValidations")]
    [InlineData("podIPs", "PodIPs")]
    [InlineData("namespace", "Namespace")]
    public void Property_names_are_pascal_case(string jsonName, string expected) =>
        Assert.Equal(expected, PropertyNames.ToCSharp(jsonName, "V1Anything"));
}
