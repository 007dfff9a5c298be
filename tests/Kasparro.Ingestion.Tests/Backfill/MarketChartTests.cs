using System.Text.Json;
using Kasparro.Data;
using Kasparro.Ingestion.Backfill;
using Kasparro.Ingestion.Pipeline;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Kasparro.Ingestion.Tests.Backfill;

/// <summary>Reading a market chart exactly, and what happens to the points that cannot be stored.</summary>
public sealed class MarketChartTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private const string Chart = """
        {"prices":[[1711929600000,69702.3087473573],[1711933200000,null],[1711936800000,-3.5],["soon",1],[1711940400000,8.08e-06],[1711944000000,"12"]],
         "market_caps":[[1711929600000,1370247487960.0945],[1711940400000,null]],
         "total_volumes":[[1711929600000,16408802301.837292]]}
        """;

    public Task InitializeAsync() => database.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public void Epoch_milliseconds_and_exact_decimals_are_read_and_bad_points_carry_a_reason()
    {
        using var json = JsonDocument.Parse(Chart);

        var chart = MarketChart.Read("bitcoin", json.RootElement);

        Assert.Equal(6, chart.Received);
        Assert.Equal(2, chart.Points.Count);
        var first = chart.Points[0];
        Assert.Equal(new DateTimeOffset(2024, 4, 1, 0, 0, 0, TimeSpan.Zero), first.ObservedAt);
        Assert.Equal(69702.3087473573m, first.PriceUsd);
        Assert.Equal(1370247487960.0945m, first.MarketCapUsd);
        Assert.Equal(16408802301.837292m, first.VolumeUsd);
        Assert.Equal(0.00000808m, chart.Points[1].PriceUsd);
        Assert.Null(chart.Points[1].MarketCapUsd);
        Assert.Null(chart.Points[1].VolumeUsd);
        Assert.Equal(
            ["price is null", "price is negative (-3.5)", "timestamp \"soon\" is not epoch milliseconds", "price '\"12\"' is not a number in range"],
            chart.Rejected.Select(r => r.RejectReason));
        Assert.Equal(["prices[1]", "prices[2]", "prices[3]", "prices[5]"], chart.Rejected.Select(r => r.Location));
    }

    [Fact]
    public void An_answer_without_prices_is_one_rejected_record_not_a_crash()
    {
        using var json = JsonDocument.Parse("""{"error":"coin not found"}""");

        var chart = MarketChart.Read("nope", json.RootElement);

        Assert.Empty(chart.Points);
        Assert.Equal("the answer has no 'prices' array", Assert.Single(chart.Rejected).RejectReason);
    }

    [Fact]
    public async Task Rejected_points_are_quarantined_under_the_run_and_the_counts_add_up()
    {
        using var json = JsonDocument.Parse(Chart);
        var chart = MarketChart.Read("bitcoin", json.RootElement);
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var runId = await new RunRecorder(dataSource, TimeProvider.System).StartAsync(SourceNames.CoinGeckoHistory, "test", null, CancellationToken.None);
        await using (var db = database.CreateDb())
        {
            db.Assets.Add(new Kasparro.Data.Entities.Asset { Id = "btc", Symbol = "BTC", Name = "Bitcoin", CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync();
        }

        await using var connection = await dataSource.OpenConnectionAsync();
        BatchCounts counts;
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            counts = await HistoryWriter.WriteAsync(connection, transaction, runId, "bitcoin", "btc", chart, Chart, TimeSpan.FromHours(1), DateTimeOffset.UtcNow, CancellationToken.None);
            await transaction.CommitAsync();
        }

        Assert.Equal(new BatchCounts(6, 2, 0, 0, 4), counts);
        await using var check = database.CreateDb();
        var quarantined = await check.QuarantinedRecords.Where(q => q.RunId == runId).OrderBy(q => q.Location).ToListAsync();
        Assert.Equal(4, quarantined.Count);
        Assert.All(quarantined, q => Assert.Equal((SourceNames.CoinGeckoHistory, "bitcoin"), (q.Source, q.SourceId)));
        Assert.Equal("[1711933200000,null]", quarantined[0].RawContent);
        Assert.Equal(2, await check.PriceHistory.CountAsync(p => p.IsBackfill && p.AssetId == "btc"));
    }
}
