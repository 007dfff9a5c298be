using Kasparro.Data;
using Kasparro.Data.Scheduling;
using Kasparro.Ingestion.Alerts;
using Kasparro.Ingestion.Backfill;
using Kasparro.Ingestion.ChangeFeed;
using Kasparro.Ingestion.History;
using Kasparro.Data.Operations;
using Kasparro.Ingestion.Operations;
using Kasparro.Ingestion.Options;
using Kasparro.Ingestion.Pipeline;
using Kasparro.Ingestion.Quality;
using Kasparro.Ingestion.Schema;
using Kasparro.Ingestion.Scheduling;
using Kasparro.Ingestion.Sources;
using Kasparro.Ingestion.Sources.CoinGecko;
using Kasparro.Ingestion.Sources.CoinPaprika;
using Kasparro.Ingestion.Sources.Csv;
using Kasparro.Ingestion.Storage;
using Kasparro.Ingestion.Upstream;

namespace Kasparro.Ingestion;

/// <summary>Registers the ingestion pipeline: options (validated at start), upstream clients, sources, runner, scheduler.</summary>
public static class IngestionServices
{
    public static IHostApplicationBuilder AddIngestion(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<EtlOptions>().BindConfiguration(EtlOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.Schedule.Keys.All(SourceNames.IsKnown), $"Etl:Schedule names an unknown source; known: {string.Join(", ", SourceNames.All)}")
            .Validate(o => o.Schedule.Values.All(c => string.IsNullOrWhiteSpace(c) || QuartzTriggers.IsValidCron(c)),
                "Etl:Schedule holds an invalid Quartz cron expression (six or seven fields, seconds first, e.g. '0 0/10 * * * ?')")
            .ValidateOnStart();

        SourcePolicyOptions.Register(services);
        services.AddSingleton<SourceGate>();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<UpstreamRateLimiters>();
        services.AddSingleton<SchemaState>();
        services.AddSingleton<RunRecorder>();
        services.AddSingleton<RunLifecycle>();
        services.AddSingleton(_ => AssetOverrides.LoadDefault());

        // Each source brings its options, client, field set and identity hints (Sources/<Name>/<Name>Registration.cs).
        services.AddCoinPaprikaSource();
        services.AddCoinGeckoSource();
        services.AddCsvSource();
        services.AddTransient<EtlRunner>();

        // History backfill from CoinGecko market charts (coingecko-history).
        services.AddBackfill();
        services.AddAlerts();

        // Partitions ahead and raw retention of the price history (History:*).
        HistoryOptions.Register(services);
        services.AddSingleton<PartitionUpkeep>();

        services.AddKasparroQuartz(builder.Configuration);
        return builder;
    }

    /// <summary>The long-running mode: the schema owner and the scheduler.</summary>
    public static IHostApplicationBuilder AddIngestionWorkers(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks().AddCheck<SchemaState>("schema");
        builder.Services.AddHostedService<SchemaMigrator>();
        builder.Services.AddHostedService<EtlSchedule>();
        builder.Services.AddOptions<ChangeLogOptions>().BindConfiguration(ChangeLogOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddHostedService<ChangeLogTrimmer>();
        builder.Services.AddHostedService<PartitionUpkeepSchedule>();
        builder.Services.AddAlertWorkers();
        return builder;
    }
}
