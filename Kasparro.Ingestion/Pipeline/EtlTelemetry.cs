using System.Diagnostics;
using System.Diagnostics.Metrics;
using Kasparro.Ingestion.Pipeline;

namespace Kasparro.Ingestion;

/// <summary>The ETL pipeline's metrics and spans (meter and activity source <c>Kasparro.Etl</c>).</summary>
public static class EtlTelemetry
{
    public static readonly ActivitySource Activities = new(TelemetryNames.Etl);
    private static readonly Meter Meter = new(TelemetryNames.Etl);

    public static readonly Counter<long> Runs = Meter.CreateCounter<long>("kasparro.etl.runs", description: "ETL runs finished, by source and status.");
    public static readonly Counter<long> Records = Meter.CreateCounter<long>("kasparro.etl.records", description: "Records by source and outcome (inserted, updated, unchanged, quarantined).");
    public static readonly Counter<long> UpstreamRetries = Meter.CreateCounter<long>("kasparro.etl.upstream.retries", description: "Upstream HTTP retries, by source.");
    public static readonly Histogram<double> RunDuration = Meter.CreateHistogram<double>("kasparro.etl.run.duration", unit: "s", description: "ETL run duration, by source and status.");
    public static readonly Counter<long> RollupSeriesDays = Meter.CreateCounter<long>("kasparro.etl.rollup.series_days", description: "Series-days whose hourly and daily rollups the rollup step recomputed.");
    public static readonly Gauge<long> RollupQueueDepth = Meter.CreateGauge<long>("kasparro.etl.rollup.queue_depth", description: "Series-days queued for the rollup step, as last counted.");

    /// <summary>Counts a committed batch's records by outcome.</summary>
    public static void RecordBatch(string source, BatchCounts counts)
    {
        Records.Add(counts.Inserted, Tag("source", source), Tag("outcome", "inserted"));
        Records.Add(counts.Updated, Tag("source", source), Tag("outcome", "updated"));
        Records.Add(counts.Unchanged, Tag("source", source), Tag("outcome", "unchanged"));
        Records.Add(counts.Quarantined, Tag("source", source), Tag("outcome", "quarantined"));
    }

    /// <summary>Counts a finished run, and its duration when the finish row recorded one.</summary>
    public static void RecordRun(string source, string status, long? durationMs)
    {
        if (durationMs is { } duration)
        {
            RunDuration.Record(duration / 1000.0, Tag("source", source), Tag("status", status));
        }

        Runs.Add(1, Tag("source", source), Tag("status", status));
    }

    private static KeyValuePair<string, object?> Tag(string key, object? value) => new(key, value);
}
