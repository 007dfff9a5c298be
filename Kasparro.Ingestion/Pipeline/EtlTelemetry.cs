using System.Diagnostics;
using System.Diagnostics.Metrics;

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
}
