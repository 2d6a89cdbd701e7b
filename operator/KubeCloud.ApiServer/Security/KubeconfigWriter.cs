using System.Text;

namespace KubeCloud.ApiServer.Security;

/// <summary>Writes a kubeconfig for one bearer token, with the CA embedded.</summary>
public static class KubeconfigWriter
{
    public static string Render(Uri endpoint, string caPem, string user, string token)
    {
        var ca = Convert.ToBase64String(Encoding.UTF8.GetBytes(caPem));
        return $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: kubecloud-local
              cluster:
                server: {endpoint.ToString().TrimEnd('/')}
                certificate-authority-data: {ca}
            users:
            - name: {user}
              user:
                token: {token}
            contexts:
            - name: kubecloud-local
              context:
                cluster: kubecloud-local
                user: {user}
                namespace: default
            current-context: kubecloud-local

            """;
    }
}
