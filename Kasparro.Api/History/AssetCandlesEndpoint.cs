using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Kasparro.Api.Endpoints;
using Kasparro.Api.Exports;
using Kasparro.Contracts;
using Kasparro.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Kasparro.Api.History;

/// <summary>
/// <c>GET /assets/{id}/candles</c>: OHLC candles per source, aggregated from the price history's points while reading
/// (a range scan of its covering key per series, as the bucketed history does). The range is widened to whole buckets;
/// several ids of one source for the asset fall into one series (first open and last close by time, highest high,
/// lowest low, every point counted). Long ranges at scale want pre-computed rollups (docs/performance.md, the history plan).
/// A JSON response is rendered once (by the serializer, as an <see cref="AssetCandles"/> result would be), compressed once
/// and kept in the <see cref="HistoryCache"/> with the history's, dropped when the asset's history changes.
/// </summary>
public static class AssetCandlesEndpoint
{
    private static readonly TimeSpan DefaultRange = TimeSpan.FromDays(7);
    private static readonly string[] Intervals = ["1h", "1d"];

    public static async Task<Results<CandlesDocumentResult, CsvExport, ProblemHttpResult, ValidationProblem>> GetCandlesAsync(
        NpgsqlDataSource dataSource,
        HistoryCache cache,
        IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json,
        TimeProvider clock,
        HttpRequest request,
        string id,
        [FromQuery] string? interval,
        [FromQuery] string? from,
        [FromQuery] string? to,
        [FromQuery] string? source,
        [FromQuery] string? format,
        CancellationToken cancellationToken)
    {
        var query = new QueryValidator();
        var assetId = query.Text(id, "id");
        var chosen = query.OneOf(interval, "interval", Intervals) ?? "1d";
        var only = query.OneOf(source, "source", SourceNames.Snapshot.ToArray());
        var range = HistoryRange.Read(query, from, to);
        var csv = CsvExport.IsRequested(request, format, query);
        if (!query.IsValid || assetId is null)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }

        var (rangeStart, rangeEnd) = range.Resolve(query, clock.GetUtcNow(), DefaultRange);
        var width = AssetHistoryEndpoint.BucketWidth(chosen);
        var start = HistoryBuckets.StartOf(rangeStart.UtcDateTime, width);
        var end = HistoryBuckets.EndOf(rangeEnd.UtcDateTime, width);
        if (query.IsValid && !csv && (end - start) / width > AssetHistoryEndpoint.MostBuckets)
        {
            query.Fail("interval", $"the range holds more than {AssetHistoryEndpoint.MostBuckets} buckets of {chosen}; narrow it or use 1d");
        }

        if (!query.IsValid)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }

        if (csv)
        {
            return await AssetHistoryEndpoint.AssetExistsAsync(dataSource, assetId, cancellationToken)
                ? CsvExport.Of($"{assetId}-candles-{chosen}.csv", ReadAsync(dataSource, assetId, width, start, end, only, cancellationToken))
                : ApiProblems.NotFound($"There is no asset '{assetId}'.");
        }

        var gzip = HistoryDocumentResult.AcceptsGzip(request);
        var document = await cache.GetOrRenderAsync(new HistoryKey(HistoryDocumentKind.Candles, assetId, chosen, start.Ticks, end.Ticks, HistoryDocumentLayout.Points, only),
            (kept, token) => RenderAsync(dataSource, json.Value.SerializerOptions, assetId, chosen, start, end, only, kept || gzip, token), cancellationToken);
        return document is null
            ? ApiProblems.NotFound($"There is no asset '{assetId}'.")
            : new CandlesDocumentResult(document);
    }

    /// <summary>The <see cref="AssetCandles"/> JSON the serializer writes for the candles, or null when there is no such asset.</summary>
    private static async Task<HistoryDocument?> RenderAsync(NpgsqlDataSource dataSource, JsonSerializerOptions json, string assetId, string interval,
        DateTime start, DateTime end, string? source, bool compress, CancellationToken cancellationToken)
    {
        if (!await AssetHistoryEndpoint.AssetExistsAsync(dataSource, assetId, cancellationToken))
        {
            return null;
        }

        var series = new List<CandleSeries>();
        List<Candle>? candles = null;
        await foreach (var row in ReadAsync(dataSource, assetId, AssetHistoryEndpoint.BucketWidth(interval), start, end, source, cancellationToken))
        {
            if (candles is null || series[^1].Source != row.Source)
            {
                candles = [];
                series.Add(new CandleSeries(row.Source, candles));
            }

            candles.Add(new Candle(row.T, row.Open, row.High, row.Low, row.Close, row.Volume24hUsd, row.Points));
        }

        return HistoryDocument.Of(JsonSerializer.SerializeToUtf8Bytes(new AssetCandles(assetId, interval, start, end, series), json), compress);
    }

    /// <summary>The asset's candles in (source, time) order: one per source and bucket starting in [from, to).</summary>
    private static async IAsyncEnumerable<CandleExportRow> ReadAsync(NpgsqlDataSource dataSource, string assetId, TimeSpan width,
        DateTime from, DateTime to, string? source, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Rollup buckets are aligned as HistoryBuckets aligns them (an hour and a day divide the 30 years between the
        // two origins). Several ids of a source merge as their points would: the open of the series whose first point is
        // earliest, the close and volume of the one whose last point is latest; ties (two ids with a point at the same
        // instant) go to the smaller source id for the open and the greater for the close, as ordering the points by
        // (time, source id) would, so the answer is stable. The merge is done here, on rows in (source, bucket, first
        // point, source id) order: ordered aggregates in PostgreSQL sort once per bucket, 4x the whole query's time.
        await using var command = dataSource.CreateCommand($"""
            {RollupBucketsQuery.With}
            SELECT source, source_id, bucket, open, high, low, close, volume_24h_usd, points, last_at
              FROM buckets
             ORDER BY source, bucket, first_at, source_id
            """);
        RollupBucketsQuery.AddParameters(command.Parameters, assetId, from, to, width, source);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        CandleExportRow? pending = null;
        var (closeAt, closeId) = (DateTime.MinValue, "");
        while (await reader.ReadAsync(cancellationToken))
        {
            var (rowSource, sourceId, t) = (reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTime>(2));
            var (high, low, close, volume, points, lastAt) = (reader.GetDecimal(4), reader.GetDecimal(5), reader.GetDecimal(6),
                reader.IsDBNull(7) ? (decimal?)null : reader.GetDecimal(7), reader.GetInt32(8), reader.GetFieldValue<DateTime>(9));
            if (pending is null || pending.Source != rowSource || pending.T != t)
            {
                if (pending is not null)
                {
                    yield return pending;
                }

                // The first row of a bucket has the earliest first point: its open is the candle's.
                pending = new CandleExportRow(rowSource, t, reader.GetDecimal(3), high, low, close, volume, points);
                (closeAt, closeId) = (lastAt, sourceId);
                continue;
            }

            pending = pending with
            {
                High = high > pending.High ? high : pending.High,
                Low = low < pending.Low ? low : pending.Low,
                Points = pending.Points + points,
            };
            if (lastAt > closeAt || (lastAt == closeAt && CompareAsPostgres(sourceId, closeId) > 0))
            {
                pending = pending with { Close = close, Volume24hUsd = volume };
                (closeAt, closeId) = (lastAt, sourceId);
            }
        }

        if (pending is not null)
        {
            yield return pending;
        }
    }

    /// <summary>Source ids in PostgreSQL's order for them (COLLATE "C": by their UTF-8 bytes).</summary>
    private static int CompareAsPostgres(string a, string b) =>
        Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b));
}
