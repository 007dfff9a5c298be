using System.Text.Json;
using Kasparro.Data;

namespace Kasparro.Api.Tests;

/// <summary><c>GET /stats/history</c>: retention, oldest and newest observation, partitions, size, last retention drop.</summary>
public sealed class HistoryStatsTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => HistorySeed.ClearAsync(database);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task An_empty_history_that_keeps_everything()
    {
        await using var api = new ApiFactory(database.ConnectionString);

        var history = await api.CreateClient().GetJsonAsync("/stats/history");

        Assert.Equal(["raw_retention_seconds", "oldest_observed_at", "newest_observed_at", "partitions", "total_bytes", "last_retention_drop"],
            history.EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.Null, history.GetProperty("raw_retention_seconds").ValueKind);
        Assert.Equal(JsonValueKind.Null, history.GetProperty("oldest_observed_at").ValueKind);
        Assert.Equal(JsonValueKind.Null, history.GetProperty("newest_observed_at").ValueKind);
        Assert.Equal(0, history.GetProperty("partitions").GetInt32());
        Assert.Equal(0, history.GetProperty("total_bytes").GetInt64());
        Assert.Equal(JsonValueKind.Null, history.GetProperty("last_retention_drop").ValueKind);
    }

    [Fact]
    public async Task Stored_history_and_the_last_retention_drop_are_shown()
    {
        await HistorySeed.AddPointsAsync(database, "bitcoin", At(2026, 9, 3, 7), At(2026, 10, 15), At(2026, 11, 30, 23));
        await HistorySeed.AddPointsAsync(database, "ethereum", At(2026, 9, 1, 0, 30), At(2026, 11, 30, 23, 59));
        await database.ExecuteAsync("""
            SELECT ensure_price_points_partitions(ARRAY[timestamptz '2026-12-01Z', '2027-01-01Z']);
            INSERT INTO audit_events (at, actor, action, target, outcome, detail) VALUES
                ('2026-10-01 03:00Z', 'retention', 'history.partition_drop', 'price_points_2026_05', 'success', 'earlier run'),
                ('2026-11-01 03:00Z', 'retention', 'history.partition_drop', 'price_points_2026_07', 'success', 'last run'),
                ('2026-11-01 03:00Z', 'retention', 'history.partition_drop', 'price_points_2026_06', 'success', 'last run');
            """);
        var bytes = await database.ScalarAsync<long>(
            "SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = 'price_points'::regclass");
        await using var api = new ApiFactory(database.ConnectionString, new Dictionary<string, string> { ["History:RawRetention"] = "400" });

        var history = await api.CreateClient().GetJsonAsync("/stats/history");

        Assert.Equal(400 * 86_400, history.GetProperty("raw_retention_seconds").GetDouble());
        Assert.Equal("2026-09-01T00:30:00Z", history.GetProperty("oldest_observed_at").GetString());
        Assert.Equal("2026-11-30T23:59:00Z", history.GetProperty("newest_observed_at").GetString());
        Assert.Equal(5, history.GetProperty("partitions").GetInt32());
        Assert.True(bytes > 0);
        Assert.Equal(bytes, history.GetProperty("total_bytes").GetInt64());
        var drop = history.GetProperty("last_retention_drop");
        Assert.Equal("2026-11-01T03:00:00Z", drop.GetProperty("at").GetString());
        Assert.Equal(["2026-06", "2026-07"], drop.GetProperty("months").EnumerateArray().Select(m => m.GetString()));
    }

    [Fact]
    public async Task Compacted_months_count_in_the_oldest_observation_and_the_size()
    {
        await HistorySeed.AddPointsAsync(database, "bitcoin", At(2026, 5, 3, 7), At(2026, 6, 15), At(2026, 11, 30, 23));
        await using (var dataSource = Npgsql.NpgsqlDataSource.Create(database.ConnectionString))
        {
            var compacted = await new Kasparro.Ingestion.History.HistoryCompactor(dataSource, TimeProvider.System,
                Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance).CompactAsync(
                    DateTimeOffset.UtcNow - At(2026, 7, 1), CancellationToken.None);
            Assert.Equal(2, compacted.Sum(m => m.Points));
        }

        var bytes = await database.ScalarAsync<long>("""
            SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent IN ('price_points'::regclass, 'price_chunks'::regclass)
            """);
        await using var api = new ApiFactory(database.ConnectionString);

        var history = await api.CreateClient().GetJsonAsync("/stats/history");

        Assert.Equal("2026-05-03T07:00:00Z", history.GetProperty("oldest_observed_at").GetString());
        Assert.Equal("2026-11-30T23:00:00Z", history.GetProperty("newest_observed_at").GetString());
        Assert.True(await database.ScalarAsync<long>("SELECT count(*) FROM price_chunks") == 2, "the months were not compacted");
        Assert.Equal(bytes, history.GetProperty("total_bytes").GetInt64());
    }

    [Fact]
    public async Task Stats_keep_their_shape_one_object_per_source()
    {
        await using var api = new ApiFactory(database.ConnectionString);

        var stats = await api.CreateClient().GetJsonAsync("/stats");

        Assert.Equal(SourceNames.All.Order(), stats.EnumerateObject().Select(p => p.Name).Order());
    }

    private static DateTimeOffset At(int year, int month, int day, int hour = 0, int minute = 0) => new(year, month, day, hour, minute, 0, TimeSpan.Zero);
}
