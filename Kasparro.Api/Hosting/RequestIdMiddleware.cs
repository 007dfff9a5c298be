using System.Diagnostics;
using Kasparro.Contracts;

namespace Kasparro.Api.Hosting;

/// <summary>
/// Gives every request an id (the client's <c>X-Request-Id</c> when it is sane, else a new one), echoes it
/// as a response header and remembers when the request began, for <c>meta.api_latency_ms</c>.
/// </summary>
public sealed class RequestIdMiddleware(RequestDelegate next)
{
    public const string HeaderName = "X-Request-Id";
    private const int MaxClientIdLength = 100;

    public Task InvokeAsync(HttpContext context)
    {
        var id = context.Request.Headers[HeaderName].ToString();
        if (!IsAcceptable(id))
        {
            id = Guid.NewGuid().ToString("N");
        }

        context.Features.Set(new RequestInfo(id, Stopwatch.GetTimestamp()));
        context.TraceIdentifier = id;
        context.Response.Headers[HeaderName] = id;
        return next(context);
    }

    /// <summary>The id and the response metadata of the current request.</summary>
    public static ResponseMeta MetaOf(HttpContext context)
    {
        var info = context.Features.Get<RequestInfo>();
        return info is null
            ? new ResponseMeta(context.TraceIdentifier, 0)
            : new ResponseMeta(info.Id, Math.Round(Stopwatch.GetElapsedTime(info.StartedAt).TotalMilliseconds, 2));
    }

    // A client id goes into logs and headers: printable ASCII only, bounded, so it cannot forge log lines.
    private static bool IsAcceptable(string id) =>
        id.Length is > 0 and <= MaxClientIdLength && id.All(c => c is >= '!' and <= '~');

    private sealed record RequestInfo(string Id, long StartedAt);
}
