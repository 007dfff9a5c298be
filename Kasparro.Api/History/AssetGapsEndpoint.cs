using Kasparro.Contracts;
using Kasparro.Api.Endpoints;
using Kasparro.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Kasparro.Api.History;

/// <summary>
/// <c>GET /assets/{id}/gaps</c>: the holes in an asset's price history per source (see <see cref="HistoryGaps"/> for the
/// rule), which <c>Kasparro.Ingestion --backfill --from --to</c> can fill. Reads each of the asset's series through
/// <see cref="HistoryCompaction.ObservationsFunction"/> (a range scan of price_points' key, and its compacted days).
/// </summary>
public static class AssetGapsEndpoint
{
    private static readonly TimeSpan DefaultRange = TimeSpan.FromDays(30);
    private static readonly TimeSpan LongestRange = TimeSpan.FromDays(366);

    public static async Task<Results<Ok<GapReport>, ProblemHttpResult, ValidationProblem>> GetGapsAsync(
        NpgsqlDataSource dataSource,
        TimeProvider clock,
        string id,
        [FromQuery] string? source,
        [FromQuery] string? from,
        [FromQuery] string? to,
        CancellationToken cancellationToken)
    {
        var query = new QueryValidator();
        var assetId = query.Text(id, "id");
        var only = query.OneOf(source, "source", SourceNames.Snapshot.ToArray());
        var range = HistoryRange.Read(query, from, to);
        if (!query.IsValid || assetId is null)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }

        var (rangeStart, rangeEnd) = range.Resolve(query, clock.GetUtcNow(), DefaultRange);
        if (rangeEnd - rangeStart > LongestRange)
        {
            query.Fail("from", $"the range covers at most {LongestRange.TotalDays:0} days");
        }

        if (!query.IsValid)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }

        if (!await AssetHistoryEndpoint.AssetExistsAsync(dataSource, assetId, cancellationToken))
        {
            return ApiProblems.NotFound($"There is no asset '{assetId}'.");
        }

        // Every id a source has for the asset is one series of that source (points of several ids are merged in time).
        // The series' text key is COLLATE "C", so the join says so to use its index.
        await using var command = dataSource.CreateCommand($"""
            SELECT DISTINCT s.source, p.observed_at
              FROM asset_mappings m
              JOIN {HistoryStorage.SeriesTable} s ON s.source = m.source COLLATE "C" AND s.source_id = m.source_id COLLATE "C"
             CROSS JOIN LATERAL {HistoryCompaction.ObservationsFunction}(ARRAY[s.id], $3, $4 + interval '1 microsecond') p
             WHERE m.asset_id = $1 AND ($2::text IS NULL OR m.source = $2)
             ORDER BY s.source, p.observed_at
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = assetId });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = only, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = rangeStart });
        command.Parameters.Add(new NpgsqlParameter { Value = rangeEnd });
        var series = new Dictionary<string, List<DateTime>>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var name = reader.GetString(0);
                if (!series.TryGetValue(name, out var points))
                {
                    series[name] = points = [];
                }

                points.Add(reader.GetFieldValue<DateTimeOffset>(1).UtcDateTime);
            }
        }

        var cadences = new List<SeriesCadence>();
        var gaps = new List<HistoryGap>();
        foreach (var (name, points) in series)
        {
            var (cadence, found) = HistoryGaps.Find(name, points);
            cadences.Add(cadence);
            gaps.AddRange(found);
        }

        return TypedResults.Ok(new GapReport(assetId, rangeStart.UtcDateTime, rangeEnd.UtcDateTime, HistoryGaps.Rule, cadences, gaps));
    }
}
