namespace KubeCloud.ApiServer.Cli;

/// <summary>
/// A reason the server cannot start that is the operator's to fix (a taken port, an unreadable token
/// file, a missing CRD folder): printed as one line naming the setting, exit code 1, no stack trace.
/// </summary>
public sealed class StartupException : Exception
{
    public StartupException(string message)
        : base(message)
    {
    }

    public StartupException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public StartupException()
    {
    }

    /// <summary>The failure an exception from starting the server stands for, or null when it is not one the operator can fix.</summary>
    public static StartupException? From(Exception exception, LocalApiServerOptions options)
    {
        if (Http.ListenFailure.IsPortInUse(exception))
        {
            return new StartupException($"port {options.Port} on 127.0.0.1 is already in use", exception);
        }

        return exception switch
        {
            FormatException when options.TokenFile is { } tokens => new StartupException($"token file {tokens}: {exception.Message}", exception),
            UnauthorizedAccessException or IOException when options.DataDirectory is { } data && exception.Message.Contains(data, StringComparison.Ordinal)
                => new StartupException($"data directory {data}: {exception.Message}", exception),
            _ => null,
        };
    }

    /// <summary>Fails unless the token file can be read.</summary>
    public static void CheckTokenFile(string path)
    {
        try
        {
            using var _ = File.OpenRead(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"cannot read token file {path}: {e.Message}", e);
        }
    }

    /// <summary>The CRD manifests (*.yaml, *.yml) of a folder, or the one file named.</summary>
    public static IEnumerable<string> CrdFiles(string path)
    {
        if (File.Exists(path))
        {
            return [path];
        }

        if (!Directory.Exists(path))
        {
            throw new StartupException($"--crds {path}: no such file or directory");
        }

        try
        {
            return Directory.GetFiles(path, "*.yaml").Concat(Directory.GetFiles(path, "*.yml")).Order(StringComparer.Ordinal).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"--crds {path}: {e.Message}", e);
        }
    }
}
