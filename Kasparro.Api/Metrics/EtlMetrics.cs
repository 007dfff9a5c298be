using System.Diagnostics.Metrics;
using Kasparro.Data;
using Kasparro.Data.Operations;
using Npgsql;

namespace Kasparro.Api.Metrics;

/// <summary>
/// ETL figures for Prometheus, read from etl_runs: runs by source and status, records by outcome, upstream
/// retries and the age of each source's last success. Any replica of the API reports the same numbers because
/// they come from the database, not from one ingestion process's memory. Scrapes read a snapshot refreshed at
/// most every <see cref="RefreshInterval"/>; when the database is down the last snapshot stays and nothing throws.
/// </summary>
public sealed class EtlMetrics : IDisposable
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(15);
    private static readonly string[] Outcomes = ["inserted", "updated", "unchanged", "quarantined"];

    private readonly Meter _meter;
    private readonly NpgsqlDataSource _dataSource;
    private readonly TimeProvider _clock;
    private readonly ILogger<EtlMetrics> _logger;
    private readonly Lock _gate = new();
    private IReadOnlyList<RunGroup> _groups = [];
    private DateTimeOffset _nextRefresh = DateTimeOffset.MinValue;

    private readonly SourcePolicies _policies;

    public EtlMetrics(IMeterFactory meters, NpgsqlDataSource dataSource, TimeProvider clock, SourcePolicies policies, ILogger<EtlMetrics> logger)
    {
        _policies = policies;
        _dataSource = dataSource;
        _clock = clock;
        _logger = logger;
        _meter = meters.Create(TelemetryNames.Api);
        _meter.CreateObservableCounter("kasparro.api.etl_runs", ObserveRuns, "{run}", "ETL runs recorded in the database, by source and status");
        _meter.CreateObservableCounter("kasparro.api.etl_records", ObserveRecords, "{record}", "Records processed by ETL runs, by source and outcome");
        _meter.CreateObservableCounter("kasparro.api.upstream_retries", ObserveRetries, "{retry}", "Upstream request retries made by ETL runs, by source");
        _meter.CreateObservableGauge("kasparro.api.etl_last_success_age", ObserveLastSuccessAge, "s", "Seconds since each source's last successful ETL run");
        _meter.CreateObservableGauge("kasparro.api.source_freshness", ObserveFreshness, "{status}",
            "Each source's freshness against its Sources:{name}:Freshness targets: 0 ok, 1 warn, 2 error");
    }

    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<long>> ObserveRuns() =>
        Current().Select(g => new Measurement<long>(g.Runs, Tag("source", g.Source), Tag("status", g.Status)));

    private IEnumerable<Measurement<long>> ObserveRecords()
    {
        var groups = Current();
        foreach (var source in SourceNames.All)
        {
            var runs = groups.Where(g => g.Source == source).ToList();
            long[] totals = [runs.Sum(g => g.Inserted), runs.Sum(g => g.Updated), runs.Sum(g => g.Unchanged), runs.Sum(g => g.Quarantined)];
            for (var i = 0; i < Outcomes.Length; i++)
            {
                yield return new Measurement<long>(totals[i], Tag("source", source), Tag("outcome", Outcomes[i]));
            }
        }
    }

    private IEnumerable<Measurement<long>> ObserveRetries()
    {
        var groups = Current();
        return SourceNames.All.Select(source => new Measurement<long>(groups.Where(g => g.Source == source).Sum(g => g.Retries), Tag("source", source)));
    }

    private IEnumerable<Measurement<double>> ObserveLastSuccessAge()
    {
        var now = _clock.GetUtcNow();
        return Current()
            .Where(g => g.LastSuccess is not null)
            .GroupBy(g => g.Source)
            .Select(s => new Measurement<double>(Math.Max(0, (now - s.Max(g => g.LastSuccess!.Value)).TotalSeconds), Tag("source", s.Key)));
    }

    private IEnumerable<Measurement<int>> ObserveFreshness()
    {
        var now = _clock.GetUtcNow();
        var groups = Current();
        foreach (var source in SourceNames.All)
        {
            var last = groups.Where(g => g.Source == source && g.LastSuccess is not null).Select(g => g.LastSuccess).Max();
            var status = _policies.FreshnessOf(source, last, now);
            yield return new Measurement<int>(status switch { FreshnessStatus.Ok => 0, FreshnessStatus.Warn => 1, _ => 2 }, Tag("source", source));
        }
    }

    /// <summary>The cached groups; refreshed synchronously (the instruments' callbacks are synchronous) when stale.</summary>
    private IReadOnlyList<RunGroup> Current()
    {
        lock (_gate)
        {
            var now = _clock.GetUtcNow();
            if (now < _nextRefresh)
            {
                return _groups;
            }

            // Also after a failure: a down database is asked again only once per interval, not on every instrument.
            _nextRefresh = now + RefreshInterval;
            try
            {
                _groups = Read();
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                _logger.LogWarning("ETL metrics not refreshed, keeping the previous values: {Reason}", e.Message);
            }

            return _groups;
        }
    }

    private List<RunGroup> Read()
    {
        using var command = _dataSource.CreateCommand("""
            SELECT source, status, count(*), coalesce(sum(inserted), 0), coalesce(sum(updated), 0), coalesce(sum(unchanged), 0),
                   coalesce(sum(quarantined), 0), coalesce(sum(retries), 0),
                   max(finished_at) FILTER (WHERE status IN ('success', 'partial'))
            FROM etl_runs
            GROUP BY source, status
            """);
        command.CommandTimeout = 5;
        using var reader = command.ExecuteReader();
        var groups = new List<RunGroup>();
        while (reader.Read())
        {
            groups.Add(new RunGroup(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4),
                reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7), reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8)));
        }

        return groups;
    }

    private static KeyValuePair<string, object?> Tag(string name, string value) => new(name, value);

    private sealed record RunGroup(string Source, string Status, long Runs, long Inserted, long Updated, long Unchanged, long Quarantined, long Retries, DateTimeOffset? LastSuccess);
}
