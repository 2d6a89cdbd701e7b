using System.Net.Http.Headers;
using System.Text;
using KubeCloud.ApiServer.Auth;

namespace KubeCloud.ApiServer.Aggregation;

/// <summary>
/// The request-header identity a front proxy sends (client-go's <c>transport.SetAuthProxyHeaders</c>):
/// <c>X-Remote-User</c>, one <c>X-Remote-Group</c> per group, one <c>X-Remote-Extra-&lt;key&gt;</c> per extra value with
/// the key escaped as Go's <c>url.PathEscape</c> does, each value on a line of its own (<see cref="RepeatedHeaderStream"/>).
/// Whatever identity headers the caller sent are removed first.
/// </summary>
public static class FrontProxyHeaders
{
    public const string UserHeader = "X-Remote-User";
    public const string GroupHeader = "X-Remote-Group";
    public const string ExtraHeaderPrefix = "X-Remote-Extra-";

    private const string RemotePrefix = "X-Remote-";

    /// <summary>Identity headers a caller may not pass through: its own credentials, impersonation and request-header identity.</summary>
    public static bool IsCallerIdentity(string header) =>
        header.Equals("Authorization", StringComparison.OrdinalIgnoreCase)
        || header.StartsWith("Impersonate-", StringComparison.OrdinalIgnoreCase)
        || header.StartsWith(RemotePrefix, StringComparison.OrdinalIgnoreCase);

    public static void Set(HttpRequestHeaders headers, UserInfo user)
    {
        foreach (var name in headers.Select(h => h.Key).Where(IsCallerIdentity).ToList())
        {
            headers.Remove(name);
        }

        RepeatedHeaderStream.Add(headers, UserHeader, [user.Name]);
        RepeatedHeaderStream.Add(headers, GroupHeader, user.Groups);
        foreach (var (key, values) in user.Extra ?? new Dictionary<string, IReadOnlyList<string>>())
        {
            RepeatedHeaderStream.Add(headers, ExtraHeaderPrefix + PathEscape(key), values);
        }
    }

    /// <summary>Go's <c>url.PathEscape</c>: unreserved characters and <c>$&amp;+:=@</c> stay, every other byte of the UTF-8 form is %XX.</summary>
    public static string PathEscape(string value)
    {
        var escaped = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~' or '$' or '&' or '+' or ':' or '=' or '@')
            {
                escaped.Append(c);
            }
            else
            {
                escaped.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return escaped.ToString();
    }
}
