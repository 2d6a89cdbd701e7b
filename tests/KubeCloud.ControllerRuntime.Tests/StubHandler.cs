using System.Net;
using System.Text;

namespace KubeCloud.ControllerRuntime.Tests;

/// <summary>The innermost handler of a client's chain: answers from a script instead of the network and records the requests.</summary>
public sealed class StubHandler(Func<HttpRequestMessage, int, HttpResponseMessage> respond) : DelegatingHandler
{
    public List<(HttpMethod Method, string PathAndQuery, string? Body, string? ContentType, string? Authorization)> Requests { get; } = [];

    public static HttpResponseMessage Json(HttpStatusCode code, string json, TimeSpan? retryAfter = null)
    {
        var response = new HttpResponseMessage(code) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (retryAfter is { } delay)
        {
            response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(delay);
        }

        return response;
    }

    public static string Status(int code, string reason, string message, string? details = null) =>
        $$"""{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"{{message}}","reason":"{{reason}}","code":{{code}}{{(details is null ? "" : ",\"details\":" + details)}}}""";

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        lock (Requests)
        {
            Requests.Add((request.Method, request.RequestUri!.PathAndQuery, body, request.Content?.Headers.ContentType?.MediaType, request.Headers.Authorization?.ToString()));
            return respond(request, Requests.Count);
        }
    }
}
