using KubeCloud.ApiServer.Auth;
using KubeCloud.ApiServer.Http;

namespace KubeCloud.ApiServer.Selectors;

/// <summary>The <c>labelSelector</c> query parameter: a malformed one is a 400 BadRequest, as in kube.</summary>
public static class LabelSelectorQuery
{
    public static LabelSelector Parse(string? text)
    {
        try
        {
            return LabelSelector.Parse(text);
        }
        catch (FormatException error)
        {
            throw ApiException.BadRequest(error.Message);
        }
    }
}
