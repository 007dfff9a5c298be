using Kasparro.Data;
using Kasparro.Ingestion;
using Kasparro.Ingestion.Backfill;
using Kasparro.Ingestion.Pipeline;
using Kasparro.Ingestion.Schema;

var commandLine = IngestionCommandLine.Parse(args);
if (commandLine.Error is not null)
{
    Console.Error.WriteLine($"error: {commandLine.Error}");
    Console.Error.WriteLine(IngestionCommandLine.Usage);
    return 2;
}

var builder = WebApplication.CreateBuilder(commandLine.HostArguments);
builder.AddServiceDefaults();
builder.AddKasparroDb();
builder.AddIngestion();

switch (commandLine.Mode)
{
    case IngestionMode.InitDb:
    {
        await using var app = builder.Build();
        await SchemaMigrator.MigrateAsync(app.Services.GetRequiredService<IServiceScopeFactory>(), CancellationToken.None);
        Console.WriteLine("Database schema is up to date.");
        return 0;
    }

    case IngestionMode.Once:
    {
        await using var app = builder.Build();
        await SchemaMigrator.MigrateAsync(app.Services.GetRequiredService<IServiceScopeFactory>(), CancellationToken.None);
        var runner = app.Services.GetRequiredService<EtlRunner>();
        var sources = commandLine.Sources.Count > 0
            ? commandLine.Sources
            : runner.Sources.Where(s => s.Enabled).Select(s => s.Name).ToList();
        // Sources are independent (each has its own upstream and rate limit), so they run side by side.
        var outcomes = await Task.WhenAll(sources.Select(s => runner.RunAsync(s, "cli", null, CancellationToken.None, commandLine.FullRefresh)));
        foreach (var outcome in outcomes)
        {
            Console.WriteLine($"{outcome.Source}: {outcome.Status}" + (outcome.RunId is { } id ? $" (run {id})" : "")
                + $" fetched={outcome.Counts.Fetched} inserted={outcome.Counts.Inserted} updated={outcome.Counts.Updated}"
                + $" unchanged={outcome.Counts.Unchanged} quarantined={outcome.Counts.Quarantined}"
                + (outcome.Error is null ? "" : $" error: {outcome.Error}"));
        }

        return outcomes.All(o => o.Succeeded) ? 0 : 1;
    }

    case IngestionMode.Backfill:
    {
        await using var app = builder.Build();
        await SchemaMigrator.MigrateAsync(app.Services.GetRequiredService<IServiceScopeFactory>(), CancellationToken.None);
        var configured = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<HistoryBackfillOptions>>().Value;
        var asked = commandLine.Backfill;
        var request = new BackfillRequest(asked.Days ?? configured.Days, asked.Top ?? configured.Top, asked.AssetIds)
        {
            Range = asked.From is { } from && asked.To is { } to ? BackfillRange.OfDays(from, to, TimeProvider.System.GetUtcNow()) : null,
        };
        var outcome = await app.Services.GetRequiredService<BackfillRunner>().RunAsync(request, "cli", null, CancellationToken.None);
        var run = outcome.Run;
        Console.WriteLine($"{run.Source}: {run.Status}" + (run.RunId is { } id ? $" (run {id})" : "")
            + $" assets={outcome.AssetsDone}/{outcome.Assets} already_complete={outcome.AlreadyComplete} requests={outcome.Requests}"
            + $" fetched={run.Counts.Fetched} inserted={run.Counts.Inserted} unchanged={run.Counts.Unchanged} quarantined={run.Counts.Quarantined}"
            + (run.Error is null ? "" : $" error: {run.Error}"));
        return run.Succeeded ? 0 : 1;
    }

    case IngestionMode.ResumeSource:
    {
        await using var app = builder.Build();
        await SchemaMigrator.MigrateAsync(app.Services.GetRequiredService<IServiceScopeFactory>(), CancellationToken.None);
        var source = commandLine.Sources[0];
        var resumed = await Kasparro.Data.Operations.SourcePauses.ResumeAsync(
            app.Services.GetRequiredService<Npgsql.NpgsqlDataSource>(), source, "cli", TimeProvider.System.GetUtcNow(), CancellationToken.None);
        Console.WriteLine(resumed is null
            ? $"{source} is not paused: nothing to resume."
            : $"{source} resumed (paused since {resumed.PausedAt:u} by run {resumed.PausedRunId}: {resumed.PauseReason})");
        return resumed is null ? 1 : 0;
    }

    default:
    {
        builder.AddIngestionWorkers();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        await app.RunAsync();
        return 0;
    }
}
