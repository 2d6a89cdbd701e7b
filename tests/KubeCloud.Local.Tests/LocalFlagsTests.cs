using KubeCloud.Local.Cli;

namespace KubeCloud.Local.Tests;

public sealed class LocalFlagsTests
{
    [Fact]
    public void Defaults_keep_the_cloud_in_var_lib_and_serve_on_6443()
    {
        var flags = LocalFlags.Parse([]);
        Assert.Equal(("/var/lib/kubecloud-local", 6443, "/var/lib/kubecloud-local/kubeconfig"), (flags.DataDirectory, flags.Port, flags.KubeconfigPath));
        Assert.False(flags.UseExampleImage);
    }

    [Theory]
    [InlineData("a host name that is a DNS label", "compute-1", "compute-1")]
    [InlineData("upper case is lowered", "Compute-1", "compute-1")]
    [InlineData("dots are not in a label", "host.example.org", "local")]
    [InlineData("underscores are not in a label", "my_host", "local")]
    public void The_node_is_named_after_the_host_when_it_can_be(string name, string machine, string node)
    {
        Assert.True(LocalFlags.DefaultNodeName(machine) == node, name);
    }

    [Fact]
    public void Flags_take_both_spellings()
    {
        var flags = LocalFlags.Parse(["--data-dir=/srv/cloud", "--port", "7443", "--node-name=n1", "--use-example-image", "--skip-host-setup"]);
        Assert.Equal(("/srv/cloud", 7443, "n1", true, true), (flags.DataDirectory, flags.Port, flags.NodeName, flags.UseExampleImage, flags.SkipHostSetup));
    }
}
