using System.Runtime.CompilerServices;
using Kasparro.Data;
using Kasparro.Ingestion.Quality;
using Microsoft.Extensions.Options;

namespace Kasparro.Ingestion.Sources.CoinPaprika;

/// <summary>
/// CoinPaprika <c>/tickers</c>: one unpaginated array of every active coin, written in batches. A snapshot has no
/// position to resume from: a rerun re-reads it and the records already stored count as unchanged.
/// </summary>
public sealed class CoinPaprikaSource(CoinPaprikaClient client, IOptions<CoinPaprikaOptions> options) : IMarketSource
{
    private const int BatchSize = 1000;

    /// <summary>
    /// One object of CoinPaprika <c>GET /v1/tickers</c> with USD quotes. <c>circulating_supply</c> is deliberately absent:
    /// current responses dropped it, so an old payload that still carries it shows up as an unknown field.
    /// </summary>
    public static readonly FieldSet Fields = new(
        SourceNames.CoinPaprika,
        Required: ["id", "name", "symbol", "quotes.USD.price"],
        Optional:
        [
            "rank", "total_supply", "max_supply", "beta_value", "first_data_at", "last_updated",
            "quotes.USD.volume_24h", "quotes.USD.volume_24h_change_24h", "quotes.USD.market_cap", "quotes.USD.market_cap_change_24h",
            "quotes.USD.percent_change_15m", "quotes.USD.percent_change_30m", "quotes.USD.percent_change_1h",
            "quotes.USD.percent_change_6h", "quotes.USD.percent_change_12h", "quotes.USD.percent_change_24h",
            "quotes.USD.percent_change_7d", "quotes.USD.percent_change_30d", "quotes.USD.percent_change_1y",
            "quotes.USD.ath_price", "quotes.USD.ath_date", "quotes.USD.percent_from_price_ath",
        ]);

    /// <summary>CoinPaprika lists each coin once under a stable id.</summary>
    public SourceIdentity Identity => SourceIdentity.CoinListing;

    private static readonly JsonFieldMap Map = new(
        Id: "id", Symbol: "symbol", Name: "name", Price: "quotes.USD.price", MarketCap: "quotes.USD.market_cap",
        Volume: "quotes.USD.volume_24h", PercentChange24h: "quotes.USD.percent_change_24h", LastUpdated: "last_updated",
        Rank: "rank", Fields: Fields);

    public string Name => SourceNames.CoinPaprika;

    public bool Enabled => options.Value.Enabled;

    public async IAsyncEnumerable<SourceBatch> ReadAsync(SourceReadContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var document = await client.GetTickersAsync(cancellationToken);
        var batch = new List<SourceRecord>(BatchSize);
        var index = 0;
        foreach (var item in document.RootElement.EnumerateArray())
        {
            batch.Add(JsonMarketRecords.Read(item, Map, context, $"item {++index}"));
            if (batch.Count == BatchSize)
            {
                yield return new SourceBatch(batch, new CheckpointUpdate(Name, null));
                batch = new List<SourceRecord>(BatchSize);
            }
        }

        yield return new SourceBatch(batch, new CheckpointUpdate(Name, null));
    }
}
