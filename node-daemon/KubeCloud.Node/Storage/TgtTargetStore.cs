using System.Globalization;
using System.Text.RegularExpressions;
using KubeCloud.Node.Processes;

namespace KubeCloud.Node.Storage;

/// <summary>A volume to export: its size and CHAP credentials (the backing store makes its file or LV).</summary>
public sealed record VolumeExport
{
    public required string VolumeId { get; init; }

    public required long SizeBytes { get; init; }

    public required string ChapUsername { get; init; }

    public required string ChapPassword { get; init; }

    /// <summary>Initiator addresses allowed to connect (tgt ACL); "ALL" allows any.</summary>
    public IReadOnlyList<string> AllowedInitiators { get; init; } = ["ALL"];

    /// <summary>tgt backing-store type (rdwr, aio).</summary>
    public string BackingStoreType { get; init; } = "rdwr";
}

/// <summary>Where an exported volume can be reached.</summary>
public sealed record IscsiTarget(int Tid, string Iqn, int Lun, string BackingPath);

/// <summary>tgt said no; what was made for the export is removed again.</summary>
public sealed class VolumeExportException : Exception
{
    public VolumeExportException(string message, Exception? inner = null) : base(message, inner) { }

    public VolumeExportException() { }

    public VolumeExportException(string message) : base(message) { }
}

/// <summary>
/// The storage node's volume export (the Cinder LVM/iSCSI role): each volume of an
/// <see cref="IVolumeBackingStore"/> (sparse file or LV) exported by the tgt daemon as its own
/// iSCSI target with LUN 1, a CHAP account bound to the target and an initiator ACL.
/// </summary>
public sealed partial class TgtTargetStore(ICommandRunner run, IVolumeBackingStore volumes, string iqnPrefix = "iqn.2025-01.io.kubecloud")
{
    public const int Lun = 1;

    /// <summary>Sparse files under <paramref name="root"/>.</summary>
    public TgtTargetStore(ICommandRunner run, string root, string iqnPrefix = "iqn.2025-01.io.kubecloud")
        : this(run, new FileVolumeStore(root), iqnPrefix)
    {
    }

    /// <summary>Where the volumes' data lives.</summary>
    public IVolumeBackingStore Volumes => volumes;

    public string Iqn(string volumeId) => $"{iqnPrefix}:volume-{volumeId}";

    /// <summary>
    /// Creates the volume in the backing store (if missing) and the target; returns the existing export
    /// when already there. A volume that exists with another size is a <see cref="VolumeBackingException"/>.
    /// </summary>
    public async Task<IscsiTarget> ExportAsync(VolumeExport volume, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(volume);
        var iqn = Iqn(volume.VolumeId);
        if ((await TargetsAsync(cancellationToken)).FirstOrDefault(t => t.Iqn == iqn) is { } existing)
        {
            return existing;
        }

        var creation = await volumes.CreateAsync(volume.VolumeId, volume.SizeBytes, cancellationToken);
        var path = creation.Volume.Path;
        var createdVolume = creation.Created ? volume.VolumeId : null;
        int? tid = null;
        var createdAccount = false;
        try
        {
            tid = await NewTargetAsync(iqn, cancellationToken);
            var t = tid.Value.ToString(CultureInfo.InvariantCulture);
            await Tgtadm(cancellationToken, "--op", "new", "--mode", "logicalunit", "--tid", t, "--lun", Lun.ToString(CultureInfo.InvariantCulture),
                "--bstype", volume.BackingStoreType, "--backing-store", path);
            if (!(await AccountsAsync(cancellationToken)).Contains(volume.ChapUsername))
            {
                await Tgtadm(cancellationToken, "--op", "new", "--mode", "account", "--user", volume.ChapUsername, "--password", volume.ChapPassword);
                createdAccount = true;
            }

            await Tgtadm(cancellationToken, "--op", "bind", "--mode", "account", "--tid", t, "--user", volume.ChapUsername);
            foreach (var initiator in volume.AllowedInitiators)
            {
                await Tgtadm(cancellationToken, "--op", "bind", "--mode", "target", "--tid", t, "--initiator-address", initiator);
            }

            return new IscsiTarget(tid.Value, iqn, Lun, path);
        }
        catch (CommandFailedException e)
        {
            await RollbackAsync(tid, createdAccount ? volume.ChapUsername : null, createdVolume);
            throw new VolumeExportException($"exporting volume {volume.VolumeId} as {iqn} failed: {e.Message}", e);
        }
        catch
        {
            await RollbackAsync(tid, createdAccount ? volume.ChapUsername : null, createdVolume);
            throw;
        }
    }

    /// <summary>
    /// Removes the target and the CHAP account (<paramref name="chapUsername"/>, or when null the accounts bound to the
    /// target: each volume has its own); deletes the volume (file or LV) when <paramref name="deleteData"/>.
    /// </summary>
    public async Task UnexportAsync(string volumeId, string? chapUsername, bool deleteData, CancellationToken cancellationToken = default)
    {
        var iqn = Iqn(volumeId);
        List<string> accounts = chapUsername is null ? [] : [chapUsername];
        var output = (await Tgtadm(cancellationToken, "--op", "show", "--mode", "target")).StandardOutput;
        if (ParseTargets(output).FirstOrDefault(t => t.Iqn == iqn) is { } target)
        {
            if (chapUsername is null)
            {
                accounts.AddRange(ParseBoundAccounts(output, iqn));
            }

            await Tgtadm(cancellationToken, "--op", "delete", "--mode", "target", "--force", "--tid", target.Tid.ToString(CultureInfo.InvariantCulture));
        }

        var existing = await AccountsAsync(cancellationToken);
        foreach (var account in accounts.Where(existing.Contains))
        {
            await Tgtadm(cancellationToken, "--op", "delete", "--mode", "account", "--user", account);
        }

        if (deleteData)
        {
            await volumes.DeleteAsync(volumeId, cancellationToken);
        }
    }

    /// <summary>The targets tgtd has now (from <c>tgtadm --op show --mode target</c>).</summary>
    public async Task<IReadOnlyList<IscsiTarget>> TargetsAsync(CancellationToken cancellationToken = default)
    {
        var output = (await Tgtadm(cancellationToken, "--op", "show", "--mode", "target")).StandardOutput;
        return ParseTargets(output);
    }

    public async Task<IReadOnlyList<string>> AccountsAsync(CancellationToken cancellationToken = default)
    {
        var output = (await Tgtadm(cancellationToken, "--op", "show", "--mode", "account")).StandardOutput;
        return [.. output.Split('\n').Skip(1).Select(l => l.Trim()).Where(l => l.Length > 0)];
    }

    internal static IReadOnlyList<IscsiTarget> ParseTargets(string output)
    {
        var result = new List<IscsiTarget>();
        foreach (Match m in TargetHeader().Matches(output))
        {
            var start = m.Index;
            var next = TargetHeader().Match(output, m.Index + m.Length);
            var block = output[start..(next.Success ? next.Index : output.Length)];
            var lun1 = Regex.Match(block, @"LUN: 1\b.*?Backing store path: (\S+)", RegexOptions.Singleline);
            result.Add(new IscsiTarget(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), m.Groups[2].Value, Lun, lun1.Success ? lun1.Groups[1].Value : ""));
        }

        return result;
    }

    /// <summary>The CHAP accounts bound to target <paramref name="iqn"/> (its "Account information:" lines).</summary>
    internal static IReadOnlyList<string> ParseBoundAccounts(string output, string iqn)
    {
        foreach (Match m in TargetHeader().Matches(output))
        {
            if (m.Groups[2].Value != iqn)
            {
                continue;
            }

            var next = TargetHeader().Match(output, m.Index + m.Length);
            var block = output[m.Index..(next.Success ? next.Index : output.Length)];
            var accounts = Regex.Match(block, @"Account information:\n(.*?)\n\s*ACL information:", RegexOptions.Singleline);
            return accounts.Success
                ? [.. accounts.Groups[1].Value.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.EndsWith("(outgoing)", StringComparison.Ordinal))]
                : [];
        }

        return [];
    }

    private async Task RollbackAsync(int? tid, string? account, string? volumeId)
    {
        if (tid is { } t)
        {
            await run.RunAsync("tgtadm", ["--lld", "iscsi", "--op", "delete", "--mode", "target", "--force", "--tid", t.ToString(CultureInfo.InvariantCulture)]);
        }

        if (account is not null)
        {
            await run.RunAsync("tgtadm", ["--lld", "iscsi", "--op", "delete", "--mode", "account", "--user", account]);
        }

        if (volumeId is not null)
        {
            await volumes.DeleteAsync(volumeId);
        }
    }

    /// <summary>
    /// Creates the target with the next free tid. tgtd is shared (other stores, other processes):
    /// when another export took the tid first, the next one is tried.
    /// </summary>
    private async Task<int> NewTargetAsync(string iqn, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var tid = (await TargetsAsync(cancellationToken)).Select(t => t.Tid).DefaultIfEmpty(0).Max() + 1;
            var result = await run.RunAsync("tgtadm",
                ["--lld", "iscsi", "--op", "new", "--mode", "target", "--tid", tid.ToString(CultureInfo.InvariantCulture), "--targetname", iqn], cancellationToken);
            if (result.Succeeded)
            {
                return tid;
            }

            var tidTaken = result.StandardError.Contains("already exists", StringComparison.Ordinal)
                && (await TargetsAsync(cancellationToken)).All(t => t.Iqn != iqn);
            if (!tidTaken || attempt == 20)
            {
                throw new CommandFailedException(result);
            }
        }
    }

    private Task<CommandResult> Tgtadm(CancellationToken cancellationToken, params string[] args)
        => run.RunCheckedAsync("tgtadm", ["--lld", "iscsi", .. args], cancellationToken);

    [GeneratedRegex(@"^Target (\d+): (\S+)", RegexOptions.Multiline)]
    private static partial Regex TargetHeader();
}
