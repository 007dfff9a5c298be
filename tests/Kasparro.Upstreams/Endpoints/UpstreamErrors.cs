using System.Text.Encodings.Web;
using System.Text.Json;

namespace Kasparro.Upstreams.Endpoints;

/// <summary>The error bodies each upstream really sends: CoinGecko wraps them in <c>{"status":{...}}</c>,
/// CoinPaprika sends <c>{"error":"..."}</c>; CDNs in front of both send HTML.</summary>
internal static class UpstreamErrors
{
    public const string GeckoRateLimitMessage =
        "You've exceeded the Rate Limit. Please visit https://www.coingecko.com/en/api/pricing to subscribe to our API plans for higher rate limits.";

    public static UpstreamReply Gecko(int statusCode, int errorCode, string message) =>
        UpstreamReply.JsonText(statusCode, $$$"""{"status":{"error_code":{{{errorCode}}},"error_message":"{{{Escape(message)}}}"}}""");

    /// <summary>CoinGecko's plain parameter errors: <c>{"error":"..."}</c>.</summary>
    public static UpstreamReply GeckoParameter(int statusCode, string message) => Paprika(statusCode, message);

    public static UpstreamReply Paprika(int statusCode, string message) =>
        UpstreamReply.JsonText(statusCode, $$"""{"error":"{{Escape(message)}}"}""");

    private static string Escape(string message) => JsonEncodedText.Encode(message, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString();

    public static UpstreamReply For(UpstreamApi api, int statusCode, int geckoErrorCode, string message) =>
        api == UpstreamApi.CoinGecko ? Gecko(statusCode, geckoErrorCode, message) : Paprika(statusCode, message);

    public static UpstreamReply TooManyRequests(UpstreamApi api, TimeSpan? retryAfter)
    {
        var reply = api == UpstreamApi.CoinGecko
            ? Gecko(StatusCodes.Status429TooManyRequests, 429, GeckoRateLimitMessage)
            : Paprika(StatusCodes.Status429TooManyRequests, "Too Many Requests");
        return retryAfter is { } wait
            ? reply with { Headers = new Dictionary<string, string> { ["Retry-After"] = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture) } }
            : reply;
    }

    public static UpstreamReply Html(int statusCode, string host, string title) => new(
        statusCode,
        "text/html; charset=UTF-8",
        System.Text.Encoding.UTF8.GetBytes(
            $"""
            <!DOCTYPE html>
            <html lang="en-US"><head><title>{host} | {statusCode}: {title}</title></head>
            <body><div id="cf-error-details"><h1>{title}</h1><span>Error code {statusCode}</span>
            <p>Visit <a href="https://www.cloudflare.com/">cloudflare.com</a> for more information.</p></div></body></html>
            """));
}
