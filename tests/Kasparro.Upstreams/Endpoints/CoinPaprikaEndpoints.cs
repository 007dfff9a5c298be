namespace Kasparro.Upstreams.Endpoints;

/// <summary>CoinPaprika's <c>/tickers</c> (one unpaginated array) and <c>/coins</c> on the free path
/// (<c>/coinpaprika/v1</c>) and the pro path (<c>/coinpaprika-pro/v1</c>).</summary>
internal static class CoinPaprikaEndpoints
{
    public const string FreePrefix = "/coinpaprika/v1";
    public const string ProPrefix = "/coinpaprika-pro/v1";

    public static void MapCoinPaprika(this IEndpointRouteBuilder routes, UpstreamState state)
    {
        foreach (var (prefix, plan) in new[] { (FreePrefix, UpstreamPlan.PaprikaFree), (ProPrefix, UpstreamPlan.PaprikaPro) })
        {
            var group = routes.MapGroup(prefix).WithTags("CoinPaprika");
            group.MapGet("/tickers", (HttpContext context) =>
                    UpstreamPipeline.RunAsync(context, state, UpstreamRoute.PaprikaTickers, plan, () => Tickers(context.Request.Query, state)))
                .WithMetadata(new UpstreamRouteMetadata(UpstreamRoute.PaprikaTickers));
            group.MapGet("/coins", (HttpContext context) =>
                    UpstreamPipeline.RunAsync(context, state, UpstreamRoute.PaprikaCoins, plan, () => Coins(state)))
                .WithMetadata(new UpstreamRouteMetadata(UpstreamRoute.PaprikaCoins));
        }
    }

    private static UpstreamReply Tickers(IQueryCollection query, UpstreamState state)
    {
        var quotes = query["quotes"].ToString();
        if (quotes.Length > 0 && !quotes.Split(',').Any(q => q.Trim().Equals("USD", StringComparison.OrdinalIgnoreCase)))
        {
            // The fake quotes USD only; asking for nothing it can serve is refused like an unknown currency.
            return UpstreamErrors.Paprika(StatusCodes.Status400BadRequest, "invalid quotes");
        }

        var universe = state.Universe;
        var coins = universe.Current.Coins;
        return UpstreamReply.JsonBody(CoinPaprikaJson.Tickers(universe.PaprikaOrder.Select(i => coins[i]), state.Drift));
    }

    private static UpstreamReply Coins(UpstreamState state)
    {
        var universe = state.Universe;
        var coins = universe.Current.Coins;
        return UpstreamReply.JsonBody(CoinPaprikaJson.Coins(universe.PaprikaOrder.Select(i => coins[i])));
    }
}
