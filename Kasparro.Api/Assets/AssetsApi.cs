using Kasparro.Contracts;
using Kasparro.Api.Endpoints;
using Kasparro.Api.History;
using Kasparro.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Kasparro.Api.Assets;

/// <summary>Canonical assets: search, detail with the sources side by side, price history and divergences.</summary>
public static class AssetsApi
{
    public static IEndpointRouteBuilder MapAssetsApi(this IEndpointRouteBuilder routes)
    {
        // 502: every one of these reads prices or market caps (UnreadableValueHandler).
        var assets = routes.MapGroup("").WithTags("Assets").ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status502BadGateway);
        assets.MapGet("/assets", ListAssetsAsync).WithName("ListAssets").WithSummary("Search assets by ticker or name, largest market cap first");
        assets.MapGet("/assets/{id}", GetAssetAsync).WithName("GetAsset").ProducesProblem(StatusCodes.Status404NotFound).WithSummary("One asset: its source mappings, the sources' latest values and their divergence");
        assets.MapGet("/assets/{id}/history", AssetHistoryEndpoint.GetHistoryAsync).WithName("GetAssetHistory").ProducesProblem(StatusCodes.Status404NotFound).WithSummary("An asset's price history per source, raw or in time buckets")
            .WithDescription("interval=auto picks raw up to 2 days, 1h up to 90 days, 1d beyond. A bucketed range is widened to whole buckets (from rounded down, to rounded up); the response's from and to give the range covered, and each point is the last observation in its bucket, labelled with the bucket's start. Sent gzip-compressed when the request accepts gzip. "
                + "format=columns answers the same points as parallel arrays per series (source, t[], price_usd[], market_cap_usd[], volume_24h_usd[]; the i-th entries are one point), about half the bytes; format=json is the default shape. "
                + "format=csv (or Accept: text/csv) exports the same points as text/csv, one row per point (source, t, price_usd, market_cap_usd, volume_24h_usd), "
                + "sources in order, then time; the raw 7-day and 20,000-bucket limits do not apply to a CSV export, which is streamed.");
        assets.MapGet("/assets/{id}/gaps", AssetGapsEndpoint.GetGapsAsync).WithName("GetAssetGaps").ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Holes in an asset's price history per source, which the backfill can fill")
            .WithDescription("A source's expected interval is the median spacing of its consecutive points in the range (at least 60 seconds); a gap is two consecutive points at least 1.5 times that apart (at least one expected point missing); missing_estimate = round(spacing / expected interval) - 1. from/to default to the 30 days before now and cover at most 366 days; source is one of coinpaprika, coingecko, csv.");
        assets.MapGet("/assets/{id}/candles", AssetCandlesEndpoint.GetCandlesAsync).WithName("GetAssetCandles").ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("An asset's OHLC candles per source, hourly or daily")
            .WithDescription("interval is 1h or 1d (default 1d). from/to take the history's rules (default: the 7 days before now) and are widened to whole buckets; "
                + "a candle is one bucket starting in [from, to): open and close are the first and last price by time, high and low the extremes, volume_24h_usd the last point's, points how many. "
                + "Several ids of one source for the asset are merged into one series. source narrows to coinpaprika, coingecko or csv. At most 20,000 candles per source. "
                + "format=csv (or Accept: text/csv) exports one row per candle (source, t, open, high, low, close, volume_24h_usd, points), streamed.");
        assets.MapGet("/divergences", ListDivergencesAsync).WithName("ListDivergences").WithSummary("Assets whose sources disagree most on the price right now");
        return routes;
    }

    public static async Task<Results<Ok<Page<AssetItem>>, ValidationProblem>> ListAssetsAsync(
        KasparroDb db,
        [FromQuery] string? q,
        [FromQuery] string? limit,
        [FromQuery] string? offset,
        CancellationToken cancellationToken)
    {
        var query = new QueryValidator();
        var search = query.Text(q, "q");
        var pageSize = query.Limit(limit, 50);
        var skip = query.Offset(offset);
        if (!query.IsValid)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }

        var assets = db.Assets.AsNoTracking();
        if (search is not null)
        {
            var symbol = search.ToUpperInvariant();
            var pattern = "%" + EscapeLike(search) + "%";
            assets = assets.Where(a => a.Symbol == symbol || EF.Functions.ILike(a.Name, pattern, @"\"));
        }

        var total = await assets.LongCountAsync(cancellationToken);
        var page = await assets
            .OrderBy(a => a.MarketCapUsd == null).ThenByDescending(a => a.MarketCapUsd).ThenBy(a => a.Id)
            .Skip(skip).Take(pageSize)
            .Select(a => new AssetItem(a.Id, a.Symbol, a.Name, a.MarketCapUsd,
                db.AssetMappings.Where(m => m.AssetId == a.Id).Select(m => m.Source).Distinct().Count()))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(Page<AssetItem>.Of(page, pageSize, skip, total));
    }

    public static async Task<Results<Ok<AssetDetail>, ProblemHttpResult, ValidationProblem>> GetAssetAsync(
        KasparroDb db, string id, CancellationToken cancellationToken)
    {
        var query = new QueryValidator();
        var assetId = query.Text(id, "id");
        if (!query.IsValid || assetId is null)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }

        var asset = await db.Assets.AsNoTracking().FirstOrDefaultAsync(a => a.Id == assetId, cancellationToken);
        if (asset is null)
        {
            return ApiProblems.NotFound($"There is no asset '{assetId}'.");
        }

        var mappings = await db.AssetMappings.AsNoTracking()
            .Where(m => m.AssetId == assetId)
            .OrderBy(m => m.Source).ThenBy(m => m.SourceId)
            .Select(m => new AssetMappingItem(m.Source, m.SourceId, m.Rule, m.Confidence, m.IsManual, UtcTime.Of(m.LinkedAt)))
            .ToListAsync(cancellationToken);
        // One value per source: its most recent observation, whichever of its ids it came from.
        var latest = (await db.MarketRecords.AsNoTracking()
                .Where(r => r.AssetId == assetId)
                .Select(r => new LatestValue(r.Source, r.SourceId, r.PriceUsd, r.MarketCapUsd, r.Volume24hUsd, r.PercentChange24h, UtcTime.Of(r.CreatedAt)))
                .ToListAsync(cancellationToken))
            .GroupBy(v => v.Source)
            .Select(g => g.OrderByDescending(v => v.CreatedAt).First())
            .OrderBy(v => v.Source, StringComparer.Ordinal)
            .ToList();

        return TypedResults.Ok(new AssetDetail(asset.Id, asset.Symbol, asset.Name, asset.MarketCapUsd, mappings, latest, Divergence(latest)));
    }

    public static async Task<Results<Ok<DivergenceList>, ValidationProblem>> ListDivergencesAsync(
        NpgsqlDataSource dataSource, [FromQuery] string? limit, CancellationToken cancellationToken)
    {
        var query = new QueryValidator();
        var pageSize = query.Limit(limit, 20);
        if (!query.IsValid)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }

        await using var command = dataSource.CreateCommand($"""
            SELECT asset_id, symbol, name, sources, min_price_usd, max_price_usd, divergence_pct
            FROM ({DivergenceSql.PerAsset}) d
            ORDER BY divergence_pct DESC, asset_id
            LIMIT $1
            """);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = pageSize });
        var items = new List<DivergenceItem>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(new DivergenceItem(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3),
                reader.GetDecimal(4), reader.GetDecimal(5), reader.GetDouble(6)));
        }

        return TypedResults.Ok(new DivergenceList(items));
    }

    /// <summary>The median of the sources' latest prices, and how far each source is from it.</summary>
    public static AssetDivergence Divergence(IReadOnlyList<LatestValue> latest)
    {
        var prices = latest.Where(v => v.PriceUsd > 0).ToList();
        if (prices.Count == 0)
        {
            return new AssetDivergence(null, null, []);
        }

        var sorted = prices.Select(v => v.PriceUsd).Order().ToList();
        var middle = sorted.Count / 2;
        var reference = sorted.Count % 2 == 1 ? sorted[middle] : sorted[middle - 1] + (sorted[middle] - sorted[middle - 1]) / 2;
        var perSource = prices
            .Select(v => new SourceDivergence(v.Source, v.PriceUsd, Math.Round((double)(v.PriceUsd - reference) / (double)reference * 100, 6)))
            .ToList();
        return new AssetDivergence(reference, perSource.Max(p => Math.Abs(p.DivergencePct)), perSource);
    }

    private static string EscapeLike(string text) =>
        text.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal);
}
