using System.Runtime.CompilerServices;
using Kasparro.Contracts;
using Kasparro.Api.Endpoints;
using Kasparro.Api.Exports;
using Kasparro.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Kasparro.Api.History;

/// <summary>
/// <c>GET /assets/{id}/history</c>: raw points for short ranges, the last observation per time bucket for long
/// ones. Both find the asset's series (source, source id) in asset_mappings; raw and 5m read each series through
/// <see cref="HistoryCompaction.ObservationsFunction"/> (a range scan of price_points' key, and its compacted days) and bucket
/// while reading (see <see cref="HistoryBuckets"/>), 1h and 1d read the rollups (<see cref="RollupBucketsQuery"/>).
/// Bucketed responses are kept, rendered and compressed, in the <see cref="HistoryCache"/> until the asset's history
/// changes; raw ones are cut from the whole days they cover, kept rendered there the same way (<see cref="HistoryRawWindow"/>).
/// </summary>
public static class AssetHistoryEndpoint
{
    private const string Raw = "raw";
    private const string Auto = "auto";
    private static readonly TimeSpan DefaultRange = TimeSpan.FromDays(7);
    private static readonly TimeSpan LongestRawRange = TimeSpan.FromDays(7);
    /// <summary>Per source; beyond this the caller should pick a coarser interval.</summary>
    public const int MostBuckets = 20_000;
    private static readonly Dictionary<string, TimeSpan> Buckets = new(StringComparer.Ordinal)
    {
        ["5m"] = TimeSpan.FromMinutes(5),
        ["1h"] = TimeSpan.FromHours(1),
        ["1d"] = TimeSpan.FromDays(1),
    };
    private static readonly string[] Intervals = [Auto, Raw, .. Buckets.Keys];
    private const string Columns = "columns";
    private static readonly string[] Formats = [CsvExport.Json, CsvExport.Csv, Columns];

    public static async Task<Results<HistoryDocumentResult, CsvExport, ProblemHttpResult, ValidationProblem>> GetHistoryAsync(
        NpgsqlDataSource dataSource,
        HistoryCache cache,
        TimeProvider clock,
        HttpRequest request,
        string id,
        [FromQuery] string? from,
        [FromQuery] string? to,
        [FromQuery] string? interval,
        [FromQuery] string? format,
        CancellationToken cancellationToken)
    {
        var query = new QueryValidator();
        var assetId = query.Text(id, "id");
        var range = HistoryRange.Read(query, from, to);
        var requested = query.OneOf(interval, "interval", Intervals) ?? Auto;
        var answer = CsvExport.Requested(request, format, query, Formats);
        var csv = answer == CsvExport.Csv;
        var layout = answer == Columns ? HistoryDocumentLayout.Columns : HistoryDocumentLayout.Points;
        if (!query.IsValid || assetId is null)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }

        var (rangeStart, rangeEnd) = range.Resolve(query, clock.GetUtcNow(), DefaultRange);
        if (!query.IsValid)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }

        var chosen = requested == Auto ? Choose(rangeEnd - rangeStart) : requested;
        TimeSpan? bucket = chosen == Raw ? null : Buckets[chosen];
        if (bucket is { } width)
        {
            // Whole buckets: the first and last would otherwise hold only part of their time. It also makes requests
            // sent a few seconds apart (a chart's "last year, until now") the same request, which the cache answers.
            rangeStart = HistoryBuckets.StartOf(rangeStart.UtcDateTime, width);
            rangeEnd = HistoryBuckets.EndOf(rangeEnd.UtcDateTime, width);
        }

        if (csv)
        {
            // The limits below bound a response built in memory; an export is streamed, so they do not apply.
            return await AssetExistsAsync(dataSource, assetId, cancellationToken)
                ? CsvExport.Of($"{assetId}-history.csv", StreamAsync(dataSource, assetId, rangeStart, rangeEnd, bucket, cancellationToken))
                : ApiProblems.NotFound($"There is no asset '{assetId}'.");
        }

        if (bucket is null && rangeEnd - rangeStart > LongestRawRange)
        {
            query.Fail("interval", $"raw covers at most {LongestRawRange.TotalDays:0} days; use 5m, 1h, 1d or auto");
        }
        else if (bucket is not null && (rangeEnd - rangeStart) / bucket.Value > MostBuckets)
        {
            query.Fail(requested == Auto ? "from" : "interval", $"the range holds more than {MostBuckets} buckets of {chosen}; narrow it or use a coarser interval");
        }

        if (!query.IsValid)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }

        Task<HistoryDocument?> RenderAsync(bool compress, CancellationToken token) =>
            ReadAndRenderAsync(dataSource, assetId, rangeStart, rangeEnd, chosen, bucket, layout, compress, token);

        // Bucketed ranges are whole buckets, so the same request comes again and its response is cached. Raw ranges
        // usually end "now", to the microsecond: no two are alike, so the cache keeps the whole days they cover, rendered,
        // and each is cut from those (HistoryRawWindow; the points layout, what charts ask for). A document that is not
        // kept is compressed only for a client that takes gzip (asked only when rendering).
        if (bucket is null && layout == HistoryDocumentLayout.Points && cache.IsServing)
        {
            var window = await ReadRawWindowAsync(dataSource, cache, assetId, rangeStart.UtcDateTime, rangeEnd.UtcDateTime, cancellationToken);
            return window is null
                ? ApiProblems.NotFound($"There is no asset '{assetId}'.")
                : new HistoryDocumentResult(window.Cut(assetId, rangeStart.UtcDateTime, rangeEnd.UtcDateTime, chosen));
        }

        var gzip = HistoryDocumentResult.AcceptsGzip(request);
        var key = new HistoryKey(HistoryDocumentKind.History, assetId, chosen, rangeStart.UtcTicks, rangeEnd.UtcTicks, layout);
        var document = bucket is null
            ? await RenderAsync(gzip, cancellationToken)
            : await cache.GetOrRenderAsync(key, (kept, token) => RenderAsync(kept || gzip, token), cancellationToken);
        if (document is not null && layout == HistoryDocumentLayout.Columns && !gzip)
        {
            // The compact layout is what clients that refuse compression are offered: its plain JSON is kept beside the
            // document rather than inflated for every request (the default layout's, twice the size, is inflated per
            // request; docs/performance.md, "format=columns sent plain").
            document = cache.WithPlainCopy(key, document);
        }

        return document is null
            ? ApiProblems.NotFound($"There is no asset '{assetId}'.")
            : new HistoryDocumentResult(document);
    }

    /// <summary>The asset's raw points of the whole UTC days holding [from, to), rendered, from the cache; null when there is no such asset.</summary>
    private static Task<HistoryRawWindow?> ReadRawWindowAsync(NpgsqlDataSource dataSource, HistoryCache cache, string assetId, DateTime from,
        DateTime to, CancellationToken cancellationToken)
    {
        var (days, daysEnd) = (HistoryBuckets.StartOf(from, HistoryRawWindow.Day), HistoryBuckets.EndOf(to, HistoryRawWindow.Day));
        return cache.GetOrRenderAsync(new HistoryKey(HistoryDocumentKind.RawWindow, assetId, Raw, days.Ticks, daysEnd.Ticks, HistoryDocumentLayout.Points),
            async (_, token) => await ReadAsync(dataSource, assetId, days, daysEnd, bucket: null, token) is { } series ? HistoryRawWindow.Render(series) : null,
            cancellationToken);
    }

    /// <summary>The rendered response, or null when there is no such asset.</summary>
    private static async Task<HistoryDocument?> ReadAndRenderAsync(NpgsqlDataSource dataSource, string assetId, DateTimeOffset from,
        DateTimeOffset to, string interval, TimeSpan? bucket, HistoryDocumentLayout layout, bool compress, CancellationToken cancellationToken)
    {
        var series = await ReadAsync(dataSource, assetId, from, to, bucket, cancellationToken);
        return series is null ? null : HistoryDocument.Render(assetId, from.UtcDateTime, to.UtcDateTime, interval, series, layout, compress);
    }

    /// <summary>Whether there is such an asset (the history and gap reports of an unknown one are a 404).</summary>
    public static async Task<bool> AssetExistsAsync(NpgsqlDataSource dataSource, string assetId, CancellationToken cancellationToken)
    {
        await using var exists = dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM assets WHERE id = $1)");
        exists.Parameters.Add(new NpgsqlParameter<string> { TypedValue = assetId });
        return (bool)(await exists.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// The points of the JSON response in its order (source, then time), streamed for the CSV export: the same rows,
    /// bucketed the same way (the last observation in its bucket), but read in (source, time) order so one pending row
    /// is all that is held.
    /// </summary>
    private static async IAsyncEnumerable<HistoryExportRow> StreamAsync(NpgsqlDataSource dataSource, string assetId, DateTimeOffset from,
        DateTimeOffset to, TimeSpan? bucket, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(PointsQuery(bucket, "s.source, p.observed_at"));
        AddPointsParameters(command.Parameters, assetId, from, to, bucket);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        HistoryExportRow? pending = null;
        while (await reader.ReadAsync(cancellationToken))
        {
            var observedAt = reader.GetFieldValue<DateTime>(1);
            var row = new HistoryExportRow(
                reader.GetString(0),
                bucket is null ? observedAt : HistoryBuckets.StartOf(observedAt, bucket.Value),
                reader.GetDecimal(2),
                reader.IsDBNull(3) ? null : reader.GetDecimal(3),
                reader.IsDBNull(4) ? null : reader.GetDecimal(4));
            // A later observation in the same source and bucket replaces the pending one (the last one wins).
            if (pending is not null && !(bucket is not null && pending.Source == row.Source && pending.T == row.T))
            {
                yield return pending;
            }

            pending = row;
        }

        if (pending is not null)
        {
            yield return pending;
        }
    }

    /// <summary>
    /// The asset's points in [$2, $3) as (source, time, price, market cap, volume), in <paramref name="order"/> (raw, or
    /// several per bucket for the caller to keep the last); for 1h and 1d the last point of each source and bucket, from
    /// the rollups (<see cref="RollupBucketsQuery"/>), labelled with the bucket's start, in (source, bucket) order. Several
    /// ids of one source merge there as they do in the raw rows: the series whose last point is latest gives the bucket
    /// (on a tie, the greater source id, as the candles pick).
    /// </summary>
    private static string PointsQuery(TimeSpan? bucket, string order) => bucket is { } width && HistoryRollups.Covers(width)
        ? $"""
            {RollupBucketsQuery.With}
            SELECT DISTINCT ON (source, bucket) source, bucket, close, market_cap_usd, volume_24h_usd
              FROM buckets
             ORDER BY source, bucket, last_at DESC, source_id DESC
            """
        : $"""
            SELECT s.source, p.observed_at, p.price_usd, p.market_cap_usd, p.volume_24h_usd
              FROM asset_mappings m
              JOIN {HistoryStorage.SeriesTable} s ON s.source = m.source COLLATE "C" AND s.source_id = m.source_id COLLATE "C"
             CROSS JOIN LATERAL {HistoryCompaction.ObservationsFunction}(ARRAY[s.id], $2, $3) p
             WHERE m.asset_id = $1
             ORDER BY {order}
            """;

    /// <summary>The parameters of <see cref="PointsQuery"/>.</summary>
    private static void AddPointsParameters(NpgsqlParameterCollection parameters, string assetId, DateTimeOffset from, DateTimeOffset to, TimeSpan? bucket)
    {
        if (bucket is { } width && HistoryRollups.Covers(width))
        {
            RollupBucketsQuery.AddParameters(parameters, assetId, from, to, width, source: null);
            return;
        }

        parameters.Add(new NpgsqlParameter<string> { TypedValue = assetId });
        parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = from });
        parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = to });
    }

    /// <summary>auto: raw up to 2 days, hourly up to 90 days, daily beyond.</summary>
    private static string Choose(TimeSpan range) =>
        range <= TimeSpan.FromDays(2) ? Raw : range <= TimeSpan.FromDays(90) ? "1h" : "1d";

    /// <summary>The width of a bucketed interval (<c>5m</c>, <c>1h</c>, <c>1d</c>).</summary>
    public static TimeSpan BucketWidth(string interval) => Buckets[interval];

    /// <summary>
    /// The asset's series, one per source in source order, each in time order (the last observation per bucket when
    /// <paramref name="bucket"/> is set), or null when there is no such asset. The caller disposes the rows.
    /// </summary>
    public static async Task<List<HistoryRows>?> ReadAsync(
        NpgsqlDataSource dataSource, string assetId, DateTimeOffset from, DateTimeOffset to, TimeSpan? bucket, CancellationToken cancellationToken)
    {
        // Raw and 5m: each series is a range scan of the points' key (series id, time), in the partitions the range
        // touches; the rows are then put in time order (sources interleaved) for the bucketing here, which saves
        // PostgreSQL the DISTINCT ON sort by (source, bucket). 1h and 1d come from the rollups, one row per source and
        // bucket in (source, bucket) order, which the same loop takes as they are. One round trip: whether the asset
        // exists, then its rows.
        await using var batch = dataSource.CreateBatch();
        var exists = batch.CreateBatchCommand();
        exists.CommandText = "SELECT EXISTS (SELECT 1 FROM assets WHERE id = $1)";
        exists.Parameters.Add(new NpgsqlParameter<string> { TypedValue = assetId });
        batch.BatchCommands.Add(exists);
        var command = batch.CreateBatchCommand();
        command.CommandText = PointsQuery(bucket, "p.observed_at");
        AddPointsParameters(command.Parameters, assetId, from, to, bucket);
        batch.BatchCommands.Add(command);

        // Rows arrive in time order, so each source's rows do too. Few sources: a list beats a dictionary.
        var bySource = new List<HistoryRows>(4);
        try
        {
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            if (!reader.GetBoolean(0))
            {
                return null;
            }

            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var source = reader.GetString(0);
                HistoryRows? rows = null;
                foreach (var known in bySource)
                {
                    if (known.Source == source)
                    {
                        rows = known;
                        break;
                    }
                }

                if (rows is null)
                {
                    rows = new HistoryRows(source);
                    bySource.Add(rows);
                }

                var observedAt = reader.GetFieldValue<DateTime>(1);
                var row = new HistoryRow(
                    bucket is null ? observedAt : HistoryBuckets.StartOf(observedAt, bucket.Value),
                    reader.GetDecimal(2),
                    reader.IsDBNull(3) ? null : reader.GetDecimal(3),
                    reader.IsDBNull(4) ? null : reader.GetDecimal(4));
                // Ascending time: a later observation in the same bucket replaces the earlier one (the last one wins).
                if (bucket is not null && rows.Count > 0 && rows.Last.T == row.T)
                {
                    rows.ReplaceLast(row);
                }
                else
                {
                    rows.Add(row);
                }
            }
        }
        catch
        {
            bySource.ForEach(rows => rows.Dispose());
            throw;
        }

        bySource.Sort((a, b) => string.CompareOrdinal(a.Source, b.Source));
        return bySource;
    }
}
