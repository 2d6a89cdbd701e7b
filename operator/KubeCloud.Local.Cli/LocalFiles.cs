namespace KubeCloud.Local.Cli;

/// <summary>The files of this repository the local mode reads at run time, copied beside the binary by the build.</summary>
internal sealed record LocalFiles(string Root)
{
    public static LocalFiles BesideBinary { get; } = new(AppContext.BaseDirectory);

    public string CrdDirectory => Path.Combine(Root, "crds");

    public string ExamplesDirectory => Path.Combine(Root, "examples");

    /// <summary><c>node-daemon/host-setup.sh</c>: the node's Debian packages and daemons (the tests run the same script).</summary>
    public string HostSetupScript => Path.Combine(Root, "host-setup.sh");

    /// <summary>The chart's Keystone roles rendered with its default values (a test keeps the copy equal to <c>helm template</c>).</summary>
    public string KeystoneRoles => Path.Combine(Root, "Roles", "kubecloud-roles.yaml");

    public IReadOnlyList<string> Crds => Yaml(CrdDirectory);

    public IReadOnlyList<string> Examples => Yaml(ExamplesDirectory);

    private static string[] Yaml(string directory) => [.. Directory.GetFiles(directory, "*.yaml").Order(StringComparer.Ordinal)];
}
