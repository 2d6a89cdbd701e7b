using System.Diagnostics;
using System.Text.RegularExpressions;
using KubeCloud.Testing;

namespace KubeCloud.Operator.IntegrationTests.Chart;

/// <summary>
/// No Docker engine runs here, so the Dockerfile is checked by doing what its build stage does: every
/// <c>dotnet publish</c> of its RUN lines, run from the repository into a scratch folder standing in for <c>/out</c>,
/// then every COPY source looked up (the build context for plain COPY, the publish output or the repository for
/// <c>--from=build</c>), and every ENTRYPOINT's dll found in the stage's output.
/// </summary>
public sealed partial class DockerfileTests
{
    private static string Dockerfile => File.ReadAllText(Path.Combine(RepositoryRoot.Path, "Dockerfile"));

    [Fact]
    public void Every_binary_has_a_target_on_a_pinned_base_image_and_the_operator_runs_as_non_root()
    {
        var targets = StageLine().Matches(Dockerfile).Select(m => m.Groups[2].Value).ToList();
        Assert.Equal(["build", "apiserver", "operator", "node"], targets);
        foreach (Match image in ImageArgument().Matches(Dockerfile))
        {
            Assert.Matches(@":\d+\.\d+\.\d+(-[a-z-]+)?$|@sha256:[0-9a-f]{64}$", image.Groups[1].Value);
        }

        Assert.Matches(@"FROM \$\{RUNTIME_IMAGE\} AS operator[\s\S]*?USER 65532:65532[\s\S]*?ENTRYPOINT", Dockerfile);
    }

    [Fact]
    public async Task The_build_stage_publishes_and_every_copy_source_exists()
    {
        var output = Directory.CreateTempSubdirectory("kubecloud-docker-out-").FullName;
        try
        {
            var publishes = PublishCommand().Matches(Dockerfile).Select(m => (Project: m.Groups[1].Value, Out: m.Groups[2].Value)).ToList();
            Assert.Equal(4, publishes.Count);
            foreach (var (project, outDir) in publishes)
            {
                await RunAsync("dotnet", $"publish {project} -c Release -o {Path.Combine(output, outDir.TrimStart('/'))} -nologo -clp:ErrorsOnly");
            }

            foreach (Match copy in CopyLine().Matches(Dockerfile))
            {
                var source = copy.Groups[2].Value;
                var root = copy.Groups[1].Success
                    ? (source.StartsWith("/src/main/", StringComparison.Ordinal) ? RepositoryRoot.Path : output)
                    : RepositoryRoot.Path;
                var relative = source.StartsWith("/src/main/", StringComparison.Ordinal) ? source["/src/main/".Length..] : source.TrimStart('/');
                Assert.True(Exists(Path.Combine(root, relative)), $"COPY {(copy.Groups[1].Success ? "--from=build " : "")}{source}: nothing there");
            }

            foreach (Match stage in StageWithEntrypoint().Matches(Dockerfile))
            {
                Assert.True(File.Exists(Path.Combine(output, "out", stage.Groups[1].Value, stage.Groups[2].Value)), $"{stage.Groups[1].Value}: {stage.Groups[2].Value} was not published");
            }
        }
        finally
        {
            Directory.Delete(output, true);
        }
    }

    private static bool Exists(string path)
    {
        var name = Path.GetFileName(path.TrimEnd('/'));
        var folder = Path.GetDirectoryName(path.TrimEnd('/'))!;
        return name.Contains('*', StringComparison.Ordinal)
            ? Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder, name).Any()
            : File.Exists(path) || Directory.Exists(path) || path.EndsWith("/.", StringComparison.Ordinal);
    }

    private static async Task RunAsync(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = RepositoryRoot.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{file} {arguments}: exit {process.ExitCode}\n{await stdout}\n{await stderr}");
    }

    [GeneratedRegex(@"(?m)^FROM (\S+) AS (\w+)$")]
    private static partial Regex StageLine();

    [GeneratedRegex(@"(?m)^ARG \w+_IMAGE=(\S+)$")]
    private static partial Regex ImageArgument();

    [GeneratedRegex(@"dotnet publish (\S+) -c Release -o (\S+)")]
    private static partial Regex PublishCommand();

    [GeneratedRegex(@"(?m)^COPY (--from=build )?(\S+) \S+$")]
    private static partial Regex CopyLine();

    [GeneratedRegex(@"(?m)^FROM \S+ AS (\w+)$[\s\S]*?COPY --from=build /out/\1/ \./[\s\S]*?^ENTRYPOINT \[""dotnet"", ""([^""]+)""")]
    private static partial Regex StageWithEntrypoint();
}
