using System.Runtime.CompilerServices;
using Kasparro.Data;
using Kasparro.Ingestion.Options;
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

    private static readonly JsonFieldMap Map = new(
        Id: "id", Symbol: "symbol", Name: "name", Price: "quotes.USD.price", MarketCap: "quotes.USD.market_cap",
        Volume: "quotes.USD.volume_24h", PercentChange24h: "quotes.USD.percent_change_24h", LastUpdated: "last_updated",
        Rank: "rank", Fields: FieldSets.CoinPaprikaTickers);

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
