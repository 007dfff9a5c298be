using Kasparro.Data;
using Kasparro.Ingestion.Schema;
using Microsoft.Extensions.Options;

namespace Kasparro.Ingestion.History;

/// <summary>
/// Runs <see cref="PartitionUpkeep"/> once the schema is migrated and then every <c>History:UpkeepInterval</c> (a day by
/// default). A failed run (the database away for a moment) is logged and tried again at the next interval; writes never
/// wait for it, since a write into a month without a partition creates it.
/// </summary>
public sealed partial class PartitionUpkeepSchedule(PartitionUpkeep upkeep, SchemaState schema, IOptions<HistoryOptions> options, TimeProvider clock,
    ILogger<PartitionUpkeepSchedule> logger) : PeriodicSchemaWork(schema, clock)
{
    protected override TimeSpan Interval => options.Value.UpkeepInterval;

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => upkeep.RunAsync(cancellationToken);

    protected override void LogFailure(Exception exception) => LogUpkeepFailed(logger, exception, Interval);

    [LoggerMessage(Level = LogLevel.Warning, Message = "History partition upkeep failed; trying again in {Interval}")]
    private static partial void LogUpkeepFailed(ILogger logger, Exception exception, TimeSpan interval);
}
