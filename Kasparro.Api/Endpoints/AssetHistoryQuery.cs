using Kasparro.Api.Contracts;
using Kasparro.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Kasparro.Api.Endpoints;

/// <summary>
/// <c>GET /assets/{id}/history</c>: raw points for short ranges, the last observation per time bucket for long
/// ones. Both find the asset's series (source, source id) in asset_mappings and read each as an index-only range
/// scan of price_history's covering key, bucketing in PostgreSQL (<c>date_bin</c>), so a year of one asset is a few
/// range scans and a sort, not a trip of every row to the API.
/// </summary>
public static class AssetHistoryQuery
{
    private const string Raw = "raw";
    private const string Auto = "auto";
    private static readonly TimeSpan DefaultRange = TimeSpan.FromDays(7);
    private static readonly TimeSpan LongestRawRange = TimeSpan.FromDays(7);
    /// <summary>Per source; beyond this the caller should pick a coarser interval.</summary>
    private const int MostBuckets = 20_000;
    private static readonly Dictionary<string, TimeSpan> Buckets = new(StringComparer.Ordinal)
    {
        ["5m"] = TimeSpan.FromMinutes(5),
        ["1h"] = TimeSpan.FromHours(1),
        ["1d"] = TimeSpan.FromDays(1),
    };
    private static readonly string[] Intervals = [Auto, Raw, .. Buckets.Keys];

    public static async Task<Results<Ok<AssetHistory>, ProblemHttpResult, ValidationProblem>> GetHistoryAsync(
        KasparroDb db,
        NpgsqlDataSource dataSource,
        TimeProvider clock,
        string id,
        [FromQuery] string? from,
        [FromQuery] string? to,
        [FromQuery] string? interval,
        CancellationToken cancellationToken)
    {
        var query = new QueryValidator();
        var assetId = query.Text(id, "id");
        var start = query.Timestamp(from, "from");
        var end = query.Timestamp(to, "to");
        query.Range(start, end, "to");
        var requested = query.OneOf(interval, "interval", Intervals) ?? Auto;
        if (!query.IsValid || assetId is null)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }

        var rangeEnd = end ?? (start is null ? clock.GetUtcNow() : start.Value + DefaultRange);
        var rangeStart = start ?? rangeEnd - DefaultRange;
        if (rangeEnd <= rangeStart)
        {
            query.Fail("from", "must be earlier than to");
            return TypedResults.ValidationProblem(query.Errors);
        }

        var range = rangeEnd - rangeStart;
        var chosen = requested == Auto ? Choose(range) : requested;
        if (chosen == Raw && range > LongestRawRange)
        {
            query.Fail("interval", $"raw covers at most {LongestRawRange.TotalDays:0} days; use 5m, 1h, 1d or auto");
        }
        else if (chosen != Raw && range / Buckets[chosen] > MostBuckets)
        {
            query.Fail(requested == Auto ? "from" : "interval", $"the range holds more than {MostBuckets} buckets of {chosen}; narrow it or use a coarser interval");
        }

        if (!query.IsValid)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }

        if (!await db.Assets.AsNoTracking().AnyAsync(a => a.Id == assetId, cancellationToken))
        {
            return RunsApi.NotFoundProblem($"There is no asset '{assetId}'.");
        }

        var series = await ReadAsync(dataSource, assetId, rangeStart, rangeEnd, chosen == Raw ? null : Buckets[chosen], cancellationToken);
        return TypedResults.Ok(new AssetHistory(assetId, rangeStart.UtcDateTime, rangeEnd.UtcDateTime, chosen, series));
    }

    /// <summary>auto: raw up to 2 days, hourly up to 90 days, daily beyond.</summary>
    private static string Choose(TimeSpan range) =>
        range <= TimeSpan.FromDays(2) ? Raw : range <= TimeSpan.FromDays(90) ? "1h" : "1d";

    private static async Task<List<HistorySeries>> ReadAsync(
        NpgsqlDataSource dataSource, string assetId, DateTimeOffset from, DateTimeOffset to, TimeSpan? bucket, CancellationToken cancellationToken)
    {
        // Buckets keep the last observation in each (by observed_at), labelled with the bucket's start.
        await using var command = dataSource.CreateCommand(bucket is null
            ? """
              SELECT p.source, p.observed_at, p.price_usd, p.market_cap_usd, p.volume_24h_usd
              FROM asset_mappings m
              JOIN price_history p ON p.source = m.source COLLATE "C" AND p.source_id = m.source_id COLLATE "C"
              WHERE m.asset_id = $1 AND p.observed_at >= $2 AND p.observed_at < $3
              ORDER BY p.source, p.observed_at
              """
            : """
              SELECT DISTINCT ON (p.source, bucket)
                     p.source, date_bin($4, p.observed_at, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS bucket,
                     p.price_usd, p.market_cap_usd, p.volume_24h_usd
              FROM asset_mappings m
              JOIN price_history p ON p.source = m.source COLLATE "C" AND p.source_id = m.source_id COLLATE "C"
              WHERE m.asset_id = $1 AND p.observed_at >= $2 AND p.observed_at < $3
              ORDER BY p.source, bucket, p.observed_at DESC
              """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = assetId });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = from });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = to });
        if (bucket is not null)
        {
            command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = bucket.Value });
        }

        var series = new List<HistorySeries>();
        List<HistoryPoint>? points = null;
        string? current = null;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var source = reader.GetString(0);
            if (source != current)
            {
                current = source;
                points = [];
                series.Add(new HistorySeries(source, points));
            }

            points!.Add(new HistoryPoint(
                reader.GetFieldValue<DateTime>(1),
                reader.GetDecimal(2),
                reader.IsDBNull(3) ? null : reader.GetDecimal(3),
                reader.IsDBNull(4) ? null : reader.GetDecimal(4)));
        }

        return series;
    }
}
