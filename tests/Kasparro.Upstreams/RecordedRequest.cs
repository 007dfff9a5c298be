namespace Kasparro.Upstreams;

/// <summary>One request as the fake upstream received it, before any check or fault applied.</summary>
/// <param name="ReceivedAtUtc">When the request arrived (from <see cref="UpstreamOptions.TimeProvider"/>).</param>
/// <param name="Method">HTTP method.</param>
/// <param name="PathAndQuery">Path and query string exactly as sent.</param>
/// <param name="Route">The route kind, or null for paths that are not an upstream endpoint.</param>
/// <param name="Authorization">The <c>Authorization</c> header, if any.</param>
/// <param name="GeckoDemoApiKey">The <c>x-cg-demo-api-key</c> header, if any.</param>
/// <param name="GeckoProApiKey">The <c>x-cg-pro-api-key</c> header, if any.</param>
/// <param name="UserAgent">The <c>User-Agent</c> header, if any.</param>
/// <param name="AcceptEncoding">The <c>Accept-Encoding</c> header, if any.</param>
public sealed record RecordedRequest(
    DateTimeOffset ReceivedAtUtc,
    string Method,
    string PathAndQuery,
    UpstreamRoute? Route,
    string? Authorization,
    string? GeckoDemoApiKey,
    string? GeckoProApiKey,
    string? UserAgent,
    string? AcceptEncoding);
