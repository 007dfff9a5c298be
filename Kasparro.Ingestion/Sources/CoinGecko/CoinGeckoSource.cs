using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Kasparro.Data;
using Kasparro.Ingestion.Options;
using Kasparro.Ingestion.Quality;
using Microsoft.Extensions.Options;

namespace Kasparro.Ingestion.Sources.CoinGecko;

/// <summary>
/// CoinGecko <c>/coins/markets</c>, page by page until an empty page or <c>MaxPages</c>. Each page is one batch;
/// the checkpoint remembers the next page of an unfinished sweep, so a failed sweep resumes where it stopped.
/// </summary>
public sealed class CoinGeckoSource(CoinGeckoClient client, IOptions<CoinGeckoOptions> options, IOptions<EtlOptions> etl, TimeProvider clock) : IMarketSource
{
    /// <summary>One object of CoinGecko <c>GET /coins/markets</c>. <c>roi</c> is null or an object and is checked as one field.</summary>
    public static readonly FieldSet Fields = new(
        SourceNames.CoinGecko,
        Required: ["id", "symbol", "name", "current_price"],
        Optional:
        [
            "image", "market_cap", "market_cap_rank", "fully_diluted_valuation", "total_volume", "high_24h", "low_24h",
            "price_change_24h", "price_change_percentage_24h", "market_cap_change_24h", "market_cap_change_percentage_24h",
            "circulating_supply", "total_supply", "max_supply", "ath", "ath_change_percentage", "ath_date",
            "atl", "atl_change_percentage", "atl_date", "roi", "last_updated",
        ]);

    /// <summary>CoinGecko lists each coin once under a stable id.</summary>
    public SourceIdentity Identity => SourceIdentity.CoinListing;

    private static readonly JsonFieldMap Map = new(
        Id: "id", Symbol: "symbol", Name: "name", Price: "current_price", MarketCap: "market_cap", Volume: "total_volume",
        PercentChange24h: "price_change_percentage_24h", LastUpdated: "last_updated", Rank: "market_cap_rank",
        Fields: Fields);

    public string Name => SourceNames.CoinGecko;

    public bool Enabled => options.Value.Enabled;

    public async IAsyncEnumerable<SourceBatch> ReadAsync(SourceReadContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var sweep = SweepPosition.Parse(context.Checkpoints.GetValueOrDefault(Name));
        var now = clock.GetUtcNow();
        if (sweep is null || sweep.Complete || now - sweep.StartedAt > etl.Value.ResumeWindow)
        {
            sweep = new SweepPosition(now, 1, false);
        }

        for (var page = sweep.NextPage; page <= settings.MaxPages; page++)
        {
            using var document = await client.GetMarketsPageAsync(page, settings.PerPage, cancellationToken);
            var items = document.RootElement;
            if (items.GetArrayLength() == 0)
            {
                break;
            }

            var records = new List<SourceRecord>(items.GetArrayLength());
            var index = 0;
            foreach (var item in items.EnumerateArray())
            {
                records.Add(JsonMarketRecords.Read(item, Map, context, $"page {page} item {++index}"));
            }

            yield return new SourceBatch(records, new CheckpointUpdate(Name, (sweep with { NextPage = page + 1 }).ToString()));
        }

        yield return new SourceBatch([], new CheckpointUpdate(Name, (sweep with { Complete = true }).ToString()));
    }

    /// <summary>Checkpoint of a paginated sweep: when it started, the next page to read, whether it finished.</summary>
    private sealed record SweepPosition(DateTimeOffset StartedAt, int NextPage, bool Complete)
    {
        public static SweepPosition? Parse(string? text)
        {
            if (string.IsNullOrEmpty(text))
            {
                return null;
            }

            using var json = JsonDocument.Parse(text);
            var root = json.RootElement;
            return new SweepPosition(
                root.GetProperty("sweep_started_at").GetDateTimeOffset(),
                root.GetProperty("next_page").GetInt32(),
                root.GetProperty("complete").GetBoolean());
        }

        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $$"""{"sweep_started_at":"{{StartedAt.UtcDateTime:O}}","next_page":{{NextPage}},"complete":{{(Complete ? "true" : "false")}}}""");
    }
}
