using KubeCloud.ApiServer.Security;

namespace KubeCloud.ApiServer;

/// <summary>How a local API server starts.</summary>
public sealed class LocalApiServerOptions
{
    /// <summary>The loopback port; 0 picks a free one.</summary>
    public int Port { get; set; }

    /// <summary>
    /// Where the server keeps what must outlive it (null: memory only): objects, revision and watch history
    /// (store.db, SQLite), CA and serving certificate (pki/), issued tokens (tokens.jsonl) and the admin kubeconfig.
    /// </summary>
    public string? DataDirectory { get; set; }

    /// <summary>A token file in kube-apiserver's --token-auth-file format: token,user,uid,"group1,group2".</summary>
    public string? TokenFile { get; set; }

    /// <summary>YAML files of CustomResourceDefinitions created at start.</summary>
    public IList<string> CrdFiles { get; } = [];

    /// <summary>
    /// The history window: how many changes watches can resume from before they get 410 Gone. With a data
    /// directory, the change log keeps at least as many (compacted behind the window), so a watch resumes
    /// across a restart within it.
    /// </summary>
    public int WatchHistorySize { get; set; } = 10_000;

    /// <summary>How often watches with allowWatchBookmarks get a BOOKMARK.</summary>
    public TimeSpan BookmarkInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Where to write the admin kubeconfig (null: kubecloud-apiserver.kubeconfig in the data directory, else
    /// kubecloud-apiserver-&lt;port&gt;.kubeconfig in the temporary folder, deleted when the server stops).
    /// </summary>
    public string? KubeconfigPath { get; set; }

    /// <summary>How long a serving certificate is valid; it is renewed once less than a third of that is left.</summary>
    public TimeSpan ServingCertificateLifetime { get; set; } = Security.ServingCertificates.DefaultLifetime;

    /// <summary>Where the key that signs service-account tokens is kept (null: a file in the data directory when there is one, else memory).</summary>
    public IServiceAccountKeyStore? ServiceAccountKeys { get; set; }

    /// <summary>The clock service-account tokens are issued and checked by (tests move it past a token's expiry).</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>How often every APIService's availability is checked again when nothing it depends on changed (kube's: every 30 s).</summary>
    public TimeSpan ApiServiceResync { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Test-only: faults to inject into resource requests (failures, dropped watches) and request counters; null injects none.</summary>
    public FaultInjection? Faults { get; set; }
}
