using System.Diagnostics;
using KubeCloud.Testing;
using Xunit.Abstractions;

namespace KubeCloud.ApiServer.Tests;

/// <summary>
/// A user's clone has nothing beside it: the build and the tests must not read the team's reference folder beside the
/// repository (shared/) or anything else outside it. One cheap check over every build input, and one real build of
/// the local control plane (which embeds the Kubernetes OpenAPI document) from a fresh clone in an empty folder.
/// </summary>
public sealed class SelfContainedCloneTests(ITestOutputHelper output)
{
    /// <summary>The relative path of the reference folder, built so that this file does not name it itself.</summary>
    private static readonly string SharedFolder = string.Join('/', "..", "shared");

    private static readonly string[] BuildInputs = ["*.csproj", "*.props", "*.targets", "*.cs", "*.sh", "*.json", "Dockerfile"];

    [Fact]
    public void No_build_or_test_input_refers_to_the_shared_folder_beside_the_repository()
    {
        var offenders = BuildInputs
            .SelectMany(pattern => Directory.EnumerateFiles(RepositoryRoot.Path, pattern, SearchOption.AllDirectories))
            .Where(path => !path.Contains("/bin/", StringComparison.Ordinal) && !path.Contains("/obj/", StringComparison.Ordinal) && !path.Contains("/.cache/", StringComparison.Ordinal)
                           && !path.Contains("/artifacts/", StringComparison.Ordinal) && !path.Contains("/.git/", StringComparison.Ordinal))
            .Where(path => new FileInfo(path).Length < 8 << 20 && File.ReadAllText(path).Contains(SharedFolder, StringComparison.Ordinal))
            .Select(path => Path.GetRelativePath(RepositoryRoot.Path, path))
            .ToList();
        Assert.Empty(offenders);
    }

    [Fact]
    public async Task A_fresh_clone_in_an_empty_folder_builds_the_local_control_plane()
    {
        var folder = Path.Combine(Path.GetTempPath(), "kc-clone-" + Guid.NewGuid().ToString("N")[..8]);
        var clone = Path.Combine(folder, "kubecloud");
        Directory.CreateDirectory(folder);
        try
        {
            await RunAsync("git", $"clone --quiet --no-hardlinks \"{RepositoryRoot.Path}\" \"{clone}\"", folder);
            Assert.False(Directory.Exists(Path.Combine(folder, "shared")));
            await RunAsync("dotnet", "build operator/KubeCloud.ApiServer/KubeCloud.ApiServer.csproj -c Release -nologo -clp:ErrorsOnly", clone);
            var assembly = Directory.GetFiles(Path.Combine(clone, "operator", "KubeCloud.ApiServer", "bin", "Release"), "KubeCloud.ApiServer.dll", SearchOption.AllDirectories).Single();
            Assert.True(new FileInfo(assembly).Length > 4_000_000, "the OpenAPI document (4 MB) is embedded in the assembly");
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    private async Task RunAsync(string file, string arguments, string directory)
    {
        var start = new ProcessStartInfo(file, arguments) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1"; // no build server outliving the test
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        output.WriteLine($"{file} {arguments}: exit {process.ExitCode}\n{await stdout}{await stderr}");
        Assert.True(process.ExitCode == 0, $"{file} {arguments} failed with exit code {process.ExitCode}: {await stdout}{await stderr}");
    }
}
