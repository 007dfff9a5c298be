namespace Kasparro.Ingestion.Backfill;

/// <summary>What one backfill run covers: the <paramref name="Top"/> CoinGecko assets by market cap, or exactly <paramref name="AssetIds"/>.</summary>
/// <param name="Days">How far back from now history should reach.</param>
/// <param name="Top">How many assets by market cap (ignored when <paramref name="AssetIds"/> is not empty).</param>
/// <param name="AssetIds">CoinGecko ids (<c>bitcoin</c>, <c>ethereum</c>).</param>
public sealed record BackfillRequest(int Days, int Top, IReadOnlyList<string> AssetIds)
{
    public static BackfillRequest From(HistoryBackfillOptions options) => new(options.Days, options.Top, []);
}
