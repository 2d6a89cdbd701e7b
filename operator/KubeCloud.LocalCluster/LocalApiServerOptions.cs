using KubeCloud.LocalCluster.Security;

namespace KubeCloud.LocalCluster;

/// <summary>How a local API server starts.</summary>
public sealed class LocalApiServerOptions
{
    /// <summary>The loopback port; 0 picks a free one.</summary>
    public int Port { get; set; }

    /// <summary>Where the store is snapshotted so that a restart keeps objects and revision (null: memory only).</summary>
    public string? DataDirectory { get; set; }

    /// <summary>A token file in kube-apiserver's --token-auth-file format: token,user,uid,"group1,group2".</summary>
    public string? TokenFile { get; set; }

    /// <summary>YAML files of CustomResourceDefinitions created at start.</summary>
    public IList<string> CrdFiles { get; } = [];

    /// <summary>How many changes watches can resume from before they get 410 Gone.</summary>
    public int WatchHistorySize { get; set; } = 10_000;

    /// <summary>How often watches with allowWatchBookmarks get a BOOKMARK.</summary>
    public TimeSpan BookmarkInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Where to write the admin kubeconfig (null: a temporary file).</summary>
    public string? KubeconfigPath { get; set; }

    /// <summary>Where the key that signs service-account tokens is kept (null: a file in the data directory when there is one, else memory).</summary>
    public IServiceAccountKeyStore? ServiceAccountKeys { get; set; }

    /// <summary>The clock service-account tokens are issued and checked by (tests move it past a token's expiry).</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;
}
