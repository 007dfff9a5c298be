using System.Net;
using System.Text;

namespace Kasparro.Dashboard.Tests.Infrastructure;

/// <summary>
/// The HTTP boundary of the Kasparro API for component tests: answers requests with canned JSON as the API would
/// (status, content type, body), refuses connections like a stopped API, or holds a request open to show loading.
/// Everything above HTTP (the real <c>KasparroApiClient</c>, JSON reading, the pages) runs for real.
/// </summary>
public sealed class CannedApi : HttpMessageHandler
{
    private readonly List<(string PathAndQueryPrefix, Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> Answer)> _routes = [];
    private readonly List<HttpRequestMessage> _requests = [];

    public IReadOnlyList<HttpRequestMessage> Requests
    {
        get { lock (_requests) { return _requests.ToList(); } }
    }

    /// <summary>When set, every request fails as if nothing listened on the API's port.</summary>
    public bool Unreachable { get; set; }

    /// <summary>Answers requests whose path and query start with <paramref name="pathAndQuery"/> (e.g. "/runs?limit=8").</summary>
    public CannedApi Json(string pathAndQuery, string json, HttpStatusCode status = HttpStatusCode.OK)
    {
        _routes.Add((pathAndQuery, (_, _) => Task.FromResult(Response(status, json))));
        return this;
    }

    /// <summary>Answers with a CSV export as the API sends it (text/csv, offered as <paramref name="fileName"/>).</summary>
    public CannedApi Csv(string pathAndQuery, string csv, string fileName)
    {
        _routes.Add((pathAndQuery, (_, _) =>
        {
            var response = Response(HttpStatusCode.OK, csv, "text/csv");
            response.Content.Headers.ContentDisposition = new System.Net.Http.Headers.ContentDispositionHeaderValue("attachment") { FileName = fileName };
            return Task.FromResult(response);
        }));
        return this;
    }

    /// <summary>Holds matching requests until <paramref name="release"/> completes, so the page stays in its loading state.</summary>
    public CannedApi Pending(string pathAndQuery, Task release, string json = "{}")
    {
        _routes.Add((pathAndQuery, async (_, cancellationToken) =>
        {
            await release.WaitAsync(cancellationToken);
            return Response(HttpStatusCode.OK, json);
        }));
        return this;
    }

    /// <summary>Answers with an RFC 7807 problem, as the API does for errors.</summary>
    public CannedApi Problem(string pathAndQuery, HttpStatusCode status, string title, string? detail = null, string? extra = null)
    {
        var body = $$"""{"type":"about:blank","title":{{Quote(title)}},"status":{{(int)status}}{{(detail is null ? "" : ",\"detail\":" + Quote(detail))}}{{(extra is null ? "" : "," + extra)}}}""";
        _routes.Add((pathAndQuery, (_, _) => Task.FromResult(Response(status, body, "application/problem+json"))));
        return this;
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        lock (_requests)
        {
            _requests.Add(request);
        }

        if (Unreachable)
        {
            throw new HttpRequestException("Connection refused (api:443)", new System.Net.Sockets.SocketException(111));
        }

        var pathAndQuery = Uri.UnescapeDataString(request.RequestUri!.PathAndQuery);
        // The longest matching prefix wins, so "/runs/42" is not answered by "/runs"; among equals, the latest one.
        var route = _routes.Select((r, index) => (r.PathAndQueryPrefix, r.Answer, index))
            .Where(r => pathAndQuery.StartsWith(r.PathAndQueryPrefix, StringComparison.Ordinal))
            .OrderByDescending(r => r.PathAndQueryPrefix.Length).ThenByDescending(r => r.index)
            .FirstOrDefault();
        return route.Answer is null
            ? Task.FromResult(Response(HttpStatusCode.NotFound, """{"title":"Not Found","status":404}""", "application/problem+json"))
            : route.Answer(request, cancellationToken);
    }

    private static HttpResponseMessage Response(HttpStatusCode status, string body, string mediaType = "application/json") =>
        new(status) { Content = new StringContent(body, Encoding.UTF8, mediaType) };

    private static string Quote(string text) => System.Text.Json.JsonSerializer.Serialize(text);
}
