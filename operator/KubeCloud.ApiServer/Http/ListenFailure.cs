using System.Net.Sockets;

namespace KubeCloud.ApiServer.Http;

/// <summary>Why Kestrel could not listen.</summary>
public static class ListenFailure
{
    /// <summary>Whether <paramref name="exception"/> (or one inside it) says the port is taken.</summary>
    public static bool IsPortInUse(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e.GetType().Name == "AddressInUseException" || e is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
            {
                return true;
            }
        }

        return false;
    }
}
