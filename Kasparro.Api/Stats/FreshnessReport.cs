using Kasparro.Contracts;
using Kasparro.Data;
using Kasparro.Data.Entities;
using Kasparro.Data.Operations;
using Microsoft.EntityFrameworkCore;

namespace Kasparro.Api.Stats;

/// <summary>
/// Each source's freshness: the age of its last successful (or partial) run against its <c>Sources:{name}:Freshness</c>
/// targets, the same configuration the ingestion service binds. Used by <c>/stats</c>, <c>/health</c>, <c>/sources</c> and the metrics.
/// </summary>
public sealed class FreshnessReport(SourcePolicies policies, TimeProvider clock)
{
    public SourceFreshness Of(string source, DateTimeOffset? lastSuccess)
    {
        var targets = policies.For(source).Freshness;
        var now = clock.GetUtcNow();
        return new SourceFreshness(
            FreshnessStatus.Classify(targets, lastSuccess, now),
            lastSuccess is { } last ? Math.Max(0, Math.Round((now - last).TotalSeconds, 3)) : null,
            targets.WarnAfter.TotalSeconds,
            targets.ErrorAfter.TotalSeconds);
    }

    /// <summary>The freshness of every source in <see cref="SourceNames.All"/>.</summary>
    public async Task<Dictionary<string, SourceFreshness>> ReadAsync(KasparroDb db, CancellationToken cancellationToken)
    {
        var lastSuccess = await db.EtlRuns.AsNoTracking()
            .Where(r => r.Status == EtlRunStatus.Success || r.Status == EtlRunStatus.Partial)
            .GroupBy(r => r.Source)
            .Select(g => new { Source = g.Key, Last = g.Max(r => r.FinishedAt) })
            .ToDictionaryAsync(x => x.Source, x => x.Last, cancellationToken);
        return SourceNames.All.ToDictionary(s => s, s => Of(s, lastSuccess.GetValueOrDefault(s)), StringComparer.Ordinal);
    }
}
