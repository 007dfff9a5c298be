using System.Text.Json;
using Kasparro.Data;
using Kasparro.Data.Entities;
using Kasparro.Ingestion.Quality;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Kasparro.Ingestion.Tests.Quality;

public sealed class DriftAccumulatorTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private static readonly DateTimeOffset FirstRunAt = new(2026, 2, 8, 13, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset SecondRunAt = FirstRunAt.AddMinutes(10);

    private readonly SchemaDriftDetector detector = new();

    public Task InitializeAsync() => database.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public void Observations_are_counted_once_per_field_and_kind_over_a_run()
    {
        var accumulator = new DriftAccumulator();
        for (var i = 0; i < 3; i++)
        {
            accumulator.Add(RenamedPriceFindings());
        }

        accumulator.Add(DriftFindings.None);

        var drained = accumulator.Drain();
        Assert.Equal(
            [
                (new DriftObservation("current_price", DriftKinds.MissingRequired, DriftSeverity.Critical, "currentPrice", 0.95m), 3L),
                (new DriftObservation("currentPrice", DriftKinds.Renamed, DriftSeverity.Warning, "current_price", 0.95m), 3L),
            ],
            drained);
        Assert.Equal(0, accumulator.Count);
        Assert.Empty(accumulator.Drain());
    }

    [Fact]
    public async Task Drift_is_de_duplicated_across_runs_keeping_first_seen_and_adding_counts()
    {
        var first = await WriteRunAsync(runId: 1, FirstRunAt, records: 3);
        var second = await WriteRunAsync(runId: 2, SecondRunAt, records: 2);

        Assert.All(first, e => Assert.True(e.IsNew));
        Assert.All(second, e => Assert.False(e.IsNew || e.IsChanged));
        Assert.Equal(2, await database.ScalarAsync<long>("SELECT count(*) FROM schema_drift_events"));

        await using var db = database.CreateDb();
        var renamed = await db.SchemaDriftEvents.AsNoTracking().SingleAsync(e => e.Kind == DriftKinds.Renamed);
        Assert.Equal(SourceNames.CoinGecko, renamed.Source);
        Assert.Equal("currentPrice", renamed.Field);
        Assert.Equal("current_price", renamed.Suggestion);
        Assert.Equal(0.95m, renamed.Confidence);
        Assert.Equal(5, renamed.Count);
        Assert.Equal(FirstRunAt, renamed.FirstSeen);
        Assert.Equal(SecondRunAt, renamed.LastSeen);
        Assert.Equal((1L, 2L), (renamed.FirstRunId, renamed.LastRunId));
    }

    [Fact]
    public async Task New_drift_is_logged_as_a_structured_warning_and_recurring_drift_is_not()
    {
        var logger = new RecordingLogger();

        SchemaDriftLog.Log(logger, 1, await WriteRunAsync(runId: 1, FirstRunAt, records: 3));
        SchemaDriftLog.Log(logger, 2, await WriteRunAsync(runId: 2, SecondRunAt, records: 2));

        var warnings = logger.Entries.Where(e => e.Level == LogLevel.Warning).ToList();
        Assert.Equal(2, warnings.Count);
        var renamed = warnings.Single(w => (string?)w.Properties["Kind"] == DriftKinds.Renamed).Properties;
        Assert.Equal(SourceNames.CoinGecko, renamed["Source"]);
        Assert.Equal("currentPrice", renamed["Field"]);
        Assert.Equal("current_price", renamed["Suggestion"]);
        Assert.Equal(0.95m, renamed["Confidence"]);
        Assert.Equal(3L, renamed["CountThisRun"]);
        Assert.Equal(2, logger.Entries.Count(e => e.Level == LogLevel.Debug));
    }

    [Fact]
    public async Task A_new_unknown_field_is_logged_as_information_not_as_a_warning()
    {
        var logger = new RecordingLogger();
        var stored = await WriteAsync(1, FirstRunAt, [(new DriftObservation("circulating_supply", DriftKinds.Unknown, DriftSeverity.Info, null, null), 250L)]);

        SchemaDriftLog.Log(logger, 1, stored);

        var entry = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Information, entry.Level);
        Assert.Equal("circulating_supply", entry.Properties["Field"]);
        Assert.Equal(true, entry.Properties["IsNew"]);
    }

    [Fact]
    public async Task A_new_suggestion_for_a_known_drift_is_logged_as_changed()
    {
        await WriteAsync(1, FirstRunAt, [(new DriftObservation("current_price", DriftKinds.MissingRequired, DriftSeverity.Critical, null, null), 1L)]);

        var stored = await WriteAsync(2, SecondRunAt, [(new DriftObservation("current_price", DriftKinds.MissingRequired, DriftSeverity.Critical, "currentPrice", 0.95m), 1L)]);

        var e = Assert.Single(stored);
        Assert.True(e.IsChanged);
        Assert.False(e.IsNew);
        Assert.Equal(2, e.Count);
    }

    private DriftFindings RenamedPriceFindings()
    {
        using var document = JsonDocument.Parse(UpstreamSamples.CoinGeckoBitcoin.Replace("\"current_price\"", "\"currentPrice\"", StringComparison.Ordinal));
        return detector.Inspect(document.RootElement, FieldSets.CoinGeckoMarkets);
    }

    private async Task<IReadOnlyList<StoredDriftEvent>> WriteRunAsync(long runId, DateTimeOffset now, int records)
    {
        var accumulator = new DriftAccumulator();
        for (var i = 0; i < records; i++)
        {
            accumulator.Add(RenamedPriceFindings());
        }

        return await WriteAsync(runId, now, accumulator.Drain());
    }

    private async Task<IReadOnlyList<StoredDriftEvent>> WriteAsync(long runId, DateTimeOffset now, IEnumerable<(DriftObservation, long)> items)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var stored = await DriftAccumulator.WriteAsync(connection, transaction, SourceNames.CoinGecko, runId, items, now, CancellationToken.None);
        await transaction.CommitAsync();
        return stored;
    }
}
