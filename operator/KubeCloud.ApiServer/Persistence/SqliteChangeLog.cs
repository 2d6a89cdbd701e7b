using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Resources;
using KubeCloud.ApiServer.Storage;
using Microsoft.Data.Sqlite;

namespace KubeCloud.ApiServer.Persistence;

/// <summary>
/// The store's change log in SQLite (<c>store.db</c> in the data directory), as k3s's kine keeps its
/// embedded datastore: one row per revision (the object as written, or as deleted), WAL journal,
/// one connection owned by the store's single writer, one prepared INSERT per write.
/// <para>
/// <c>synchronous=FULL</c>: each commit fsyncs the WAL before it returns, so an acknowledged write
/// survives a power loss or kernel crash too, not only a killed process (which NORMAL would already
/// survive, as the WAL's write reached the page cache). The store's acknowledgement means "durable",
/// as etcd's does; the bench prints what it costs.
/// </para>
/// <para>
/// Compaction keeps, of the rows at or below the compacted revision, only the latest of each live
/// object (tombstones and superseded rows go), and records that revision in <c>meta</c>.
/// </para>
/// </summary>
public sealed class SqliteChangeLog : IChangeLog
{
    public const string FileName = "store.db";

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS changes (
            revision INTEGER PRIMARY KEY,
            type INTEGER NOT NULL,
            api_group TEXT NOT NULL,
            resource TEXT NOT NULL,
            namespace TEXT NOT NULL,
            name TEXT NOT NULL,
            value BLOB NOT NULL);
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
        """;

    private static readonly string[] Types = [StoreEvent.Added, StoreEvent.Modified, StoreEvent.Deleted];

    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _insert;
    private readonly SqliteParameter _revision;
    private readonly SqliteParameter _type;
    private readonly SqliteParameter _group;
    private readonly SqliteParameter _resource;
    private readonly SqliteParameter _namespace;
    private readonly SqliteParameter _name;
    private readonly SqliteParameter _value;

    /// <summary>Opens (or creates) the log in <paramref name="directory"/> and holds it exclusively: a second server on the same directory fails.</summary>
    public SqliteChangeLog(string directory)
    {
        Directory.CreateDirectory(directory);
        Path = System.IO.Path.Combine(directory, FileName);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
        try
        {
            _connection.Open();
            Execute("PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
            Execute("BEGIN EXCLUSIVE; " + Schema + " COMMIT;");
        }
        catch (SqliteException e) when (e.SqliteErrorCode is 5 or 6)
        {
            _connection.Dispose();
            throw new IOException($"{Path} is in use by another kubecloud-apiserver (SQLite: {e.Message})", e);
        }

        CompactedRevision = Scalar("SELECT value FROM meta WHERE key = 'compacted'") ?? 0;
        _insert = _connection.CreateCommand();
        _insert.CommandText = "INSERT INTO changes (revision, type, api_group, resource, namespace, name, value) VALUES ($revision, $type, $group, $resource, $namespace, $name, $value)";
        _revision = _insert.Parameters.Add("$revision", SqliteType.Integer);
        _type = _insert.Parameters.Add("$type", SqliteType.Integer);
        _group = _insert.Parameters.Add("$group", SqliteType.Text);
        _resource = _insert.Parameters.Add("$resource", SqliteType.Text);
        _namespace = _insert.Parameters.Add("$namespace", SqliteType.Text);
        _name = _insert.Parameters.Add("$name", SqliteType.Text);
        _value = _insert.Parameters.Add("$value", SqliteType.Blob);
        _insert.Prepare();
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    public long CompactedRevision { get; private set; }

    public IEnumerable<LoggedChange> Read()
    {
        using var select = _connection.CreateCommand();
        select.CommandText = "SELECT revision, type, api_group, resource, value FROM changes ORDER BY revision";
        using var rows = select.ExecuteReader();
        while (rows.Read())
        {
            var revision = rows.GetInt64(0);
            var obj = JsonNode.Parse((byte[])rows.GetValue(4))!.AsObject();
            yield return new LoggedChange(Types[rows.GetInt32(1)], new GroupResource(rows.GetString(2), rows.GetString(3)), new StoredObject(obj, revision));
        }
    }

    public void Append(StoreEvent change)
    {
        _revision.Value = change.Revision;
        _type.Value = Array.IndexOf(Types, change.Type);
        _group.Value = change.Resource.Group;
        _resource.Value = change.Resource.Resource;
        _namespace.Value = change.Object.Namespace;
        _name.Value = change.Object.Name;
        _value.Value = change.Object.Json;
        _insert.ExecuteNonQuery();
    }

    public void Compact(long revision)
    {
        if (revision <= CompactedRevision)
        {
            return;
        }

        using var transaction = _connection.BeginTransaction();
        using var delete = _connection.CreateCommand();
        delete.Transaction = transaction;
        delete.CommandText = """
            DELETE FROM changes WHERE revision <= $to AND (type = 2 OR revision NOT IN (
                SELECT MAX(revision) FROM changes WHERE revision <= $to GROUP BY api_group, resource, namespace, name));
            INSERT OR REPLACE INTO meta (key, value) VALUES ('compacted', $to);
            """;
        delete.Parameters.AddWithValue("$to", revision);
        delete.ExecuteNonQuery();
        transaction.Commit();
        CompactedRevision = revision;
    }

    public void Dispose()
    {
        _insert.Dispose();
        _connection.Dispose();
    }

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private long? Scalar(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar() is long value ? value : null;
    }
}
