using Kasparro.Contracts;
using Kasparro.Data;
using Kasparro.Data.Entities;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Kasparro.Api.Stats;

/// <summary><c>GET /stats</c>: ETL figures per source, in the original system's shape; <c>GET /stats/history</c>: the stored price history.</summary>
public static class StatsApi
{
    public static IEndpointRouteBuilder MapStatsApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/stats", GetStatsAsync)
            .WithName("GetStats")
            .WithSummary("Per-source ETL statistics: last success and failure, totals and current state")
            .WithTags("Runs")
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        routes.MapGet("/stats/history", GetHistoryStatsAsync)
            .WithName("GetHistoryStats")
            .WithSummary("Stored price history: raw retention, oldest and newest observation, partitions, size and the last retention drop")
            .WithDescription("A separate path because /stats is an object keyed by source name. raw_retention_seconds is null when "
                + "History:RawRetention is unset (everything is kept); last_retention_drop is null until retention dropped a month.")
            .WithTags("Runs")
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        return routes;
    }

    public static async Task<Ok<HistoryStats>> GetHistoryStatsAsync(KasparroDb db, HistoryReport report, CancellationToken cancellationToken) =>
        TypedResults.Ok(await report.ReadAsync(db, cancellationToken));

    public static async Task<Ok<Dictionary<string, SourceStats>>> GetStatsAsync(KasparroDb db, FreshnessReport freshness, CancellationToken cancellationToken)
    {
        // A partial run delivered data (only some records were quarantined), so it counts as a success here.
        var totals = await db.EtlRuns.AsNoTracking()
            .GroupBy(r => r.Source)
            .Select(g => new
            {
                Source = g.Key,
                Total = g.LongCount(),
                Successful = g.LongCount(r => r.Status == EtlRunStatus.Success || r.Status == EtlRunStatus.Partial),
                Failed = g.LongCount(r => r.Status == EtlRunStatus.Failed),
                Processed = g.Sum(r => (long)r.Inserted + r.Updated + r.Unchanged),
                Quarantined = g.Sum(r => (long)r.Quarantined),
                LastSuccess = g.Where(r => r.Status == EtlRunStatus.Success || r.Status == EtlRunStatus.Partial).Max(r => r.FinishedAt),
                LastFailure = g.Where(r => r.Status == EtlRunStatus.Failed).Max(r => r.FinishedAt),
                RunningId = g.Where(r => r.Status == EtlRunStatus.Running).Max(r => (long?)r.Id),
            })
            .ToListAsync(cancellationToken);
        var lastDurations = await db.EtlRuns.AsNoTracking()
            .Where(r => r.FinishedAt != null)
            .GroupBy(r => r.Source)
            .Select(g => new { Source = g.Key, g.OrderByDescending(r => r.FinishedAt).ThenByDescending(r => r.Id).First().DurationMs })
            .ToDictionaryAsync(x => x.Source, x => x.DurationMs, cancellationToken);

        // Each backfilled asset keeps one checkpoint; points written are the history runs' inserted counts.
        var backfill = new BackfillProgress(
            await db.EtlCheckpoints.AsNoTracking().LongCountAsync(c => c.Source == SourceNames.CoinGeckoHistory, cancellationToken),
            await db.EtlRuns.AsNoTracking().Where(r => r.Source == SourceNames.CoinGeckoHistory).SumAsync(r => (long)r.Inserted, cancellationToken));

        var stats = new Dictionary<string, SourceStats>(StringComparer.Ordinal);
        foreach (var source in SourceNames.All)
        {
            var t = totals.FirstOrDefault(x => x.Source == source);
            var progress = source == SourceNames.CoinGeckoHistory ? backfill : null;
            var fresh = freshness.Of(source, t?.LastSuccess);
            stats[source] = t is null
                ? new SourceStats(null, null, null, 0, 0, 0, 0, 0, 0, "idle", null, progress, fresh)
                : new SourceStats(t.LastSuccess?.UtcDateTime, t.LastFailure?.UtcDateTime, lastDurations.GetValueOrDefault(source),
                    t.Total, t.Successful, t.Failed, t.Processed, t.Quarantined, t.Quarantined,
                    t.RunningId is null ? "idle" : "running", t.RunningId, progress, fresh);
        }

        return TypedResults.Ok(stats);
    }
}
