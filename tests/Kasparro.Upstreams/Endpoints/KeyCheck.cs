namespace Kasparro.Upstreams.Endpoints;

/// <summary>The key rules of the real services: CoinGecko refuses a pro key on the demo host (10010) and a
/// demo key on the pro host (10011); CoinPaprika's pro host wants <c>Authorization: Bearer &lt;key&gt;</c>
/// (the bare key is accepted too, as some of its docs show).</summary>
internal static class KeyCheck
{
    public static UpstreamReply? Refusal(HttpRequest request, UpstreamPlan plan, UpstreamOptions options)
    {
        var demoKey = FirstNonEmpty(request.Headers["x-cg-demo-api-key"], request.Query["x_cg_demo_api_key"]);
        var proKey = FirstNonEmpty(request.Headers["x-cg-pro-api-key"], request.Query["x_cg_pro_api_key"]);
        return plan switch
        {
            UpstreamPlan.GeckoDemo when proKey is not null => UpstreamErrors.Gecko(
                StatusCodes.Status400BadRequest, 10010,
                "If you are using Pro API key, please change your root URL from api.coingecko.com to pro-api.coingecko.com"),
            UpstreamPlan.GeckoDemo when demoKey is null && options.RequireGeckoDemoApiKey => MissingGeckoKey(),
            UpstreamPlan.GeckoDemo when demoKey is not null && options.GeckoDemoApiKey is { } expected && demoKey != expected =>
                InvalidGeckoKey(),
            UpstreamPlan.GeckoPro when proKey is null && demoKey is not null => UpstreamErrors.Gecko(
                StatusCodes.Status400BadRequest, 10011,
                "If you are using Demo API key, please change your root URL from pro-api.coingecko.com to api.coingecko.com"),
            UpstreamPlan.GeckoPro when proKey is null => MissingGeckoKey(),
            UpstreamPlan.GeckoPro when options.GeckoProApiKey is { } expected && proKey != expected => InvalidGeckoKey(),
            UpstreamPlan.PaprikaPro => PaprikaRefusal(request.Headers.Authorization.ToString(), options.PaprikaProApiKey),
            _ => null,
        };
    }

    private static UpstreamReply? PaprikaRefusal(string authorization, string? expected)
    {
        var key = authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? authorization["Bearer ".Length..].Trim()
            : authorization.Trim();
        if (key.Length == 0)
        {
            return UpstreamErrors.Paprika(StatusCodes.Status401Unauthorized, "missing API key");
        }

        return expected is not null && key != expected
            ? UpstreamErrors.Paprika(StatusCodes.Status401Unauthorized, "invalid API key")
            : null;
    }

    private static UpstreamReply MissingGeckoKey() =>
        UpstreamErrors.Gecko(StatusCodes.Status401Unauthorized, 10002, "API Key Missing");

    private static UpstreamReply InvalidGeckoKey() =>
        UpstreamErrors.Gecko(StatusCodes.Status401Unauthorized, 10002, "Invalid API Key");

    private static string? FirstNonEmpty(params Microsoft.Extensions.Primitives.StringValues[] values) =>
        values.Select(v => v.ToString()).FirstOrDefault(v => v.Length > 0);
}
