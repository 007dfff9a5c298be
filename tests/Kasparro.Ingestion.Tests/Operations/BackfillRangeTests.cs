using System.Globalization;
using Kasparro.Data;
using Kasparro.Data.Entities;
using Kasparro.Ingestion;
using Kasparro.Ingestion.Backfill;
using Kasparro.Ingestion.Tests.Backfill;
using Kasparro.Upstreams;
using Microsoft.Extensions.DependencyInjection;

namespace Kasparro.Ingestion.Tests.Operations;

/// <summary><c>--backfill --from DATE --to DATE</c>: an explicit UTC range, asked for and written exactly.</summary>
public sealed class BackfillRangeTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private UpstreamServer _upstream = null!;

    public async Task InitializeAsync()
    {
        await database.ResetAsync();
        _upstream = await BackfillHarness.StartUpstreamAsync();
    }

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    [Fact]
    public async Task Only_points_inside_the_range_are_requested_and_written()
    {
        await using var host = BackfillHarness.CreateHost(database, _upstream);
        await host.SnapshotAsync();
        var today = DateOnly.FromDateTime(BackfillHarness.Now.UtcDateTime);
        var from = today.AddDays(-20);
        var to = today.AddDays(-15);
        var range = BackfillRange.OfDays(from, to, BackfillHarness.Now);

        var outcome = await host.Services.GetRequiredService<BackfillRunner>().RunAsync(
            new BackfillRequest(90, 100, ["bitcoin", "ethereum"]) { Range = range }, "cli", null, CancellationToken.None);

        Assert.Equal(EtlRunStatus.Success, outcome.Run.Status);
        var asked = _upstream.Requests.Where(r => r.Route == UpstreamRoute.GeckoMarketChartRange).Select(r => r.PathAndQuery).ToList();
        Assert.Equal(2, asked.Count);
        var fromSeconds = new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeSeconds();
        var toSeconds = new DateTimeOffset(to.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeSeconds() - 1;
        Assert.All(asked, a => Assert.EndsWith(string.Create(CultureInfo.InvariantCulture, $"/market_chart/range?vs_currency=usd&from={fromSeconds}&to={toSeconds}"), a));
        Assert.Equal(0, _upstream.MarketChartRequests());
        // Six whole days, hourly: 144 points per asset, every one inside the range.
        Assert.Equal(288, outcome.Run.Counts.Inserted);
        Assert.Equal(288, await database.ScalarAsync<long>("SELECT count(*) FROM price_history WHERE is_backfill"));
        Assert.Equal(0, await database.ScalarAsync<long>(string.Create(CultureInfo.InvariantCulture,
            $"SELECT count(*) FROM price_history WHERE is_backfill AND (observed_at < to_timestamp({fromSeconds}) OR observed_at > to_timestamp({toSeconds}))")));

        var again = await host.Services.GetRequiredService<BackfillRunner>().RunAsync(
            new BackfillRequest(90, 100, ["bitcoin", "ethereum"]) { Range = range }, "cli", null, CancellationToken.None);
        Assert.Equal((0, 2), (again.Assets, again.AlreadyComplete));
    }

    [Fact]
    public void The_range_is_read_from_the_command_line_as_utc_days()
    {
        var line = IngestionCommandLine.Parse(["--backfill", "--from", "2025-01-01", "--to", "2025-01-31", "--asset", "bitcoin"], new DateOnly(2025, 6, 1));

        Assert.Null(line.Error);
        Assert.Equal((new DateOnly(2025, 1, 1), new DateOnly(2025, 1, 31)), (line.Backfill.From, line.Backfill.To));
        var range = BackfillRange.OfDays(line.Backfill.From!.Value, line.Backfill.To!.Value, DateTimeOffset.Parse("2025-06-01T12:00:00Z", CultureInfo.InvariantCulture));
        Assert.Equal(DateTimeOffset.Parse("2025-01-01T00:00:00Z", CultureInfo.InvariantCulture), range.From);
        Assert.Equal(DateTimeOffset.Parse("2025-01-31T23:59:59Z", CultureInfo.InvariantCulture), range.To);
    }

    [Theory]
    [InlineData("--backfill --from 2025-02-01 --to 2025-01-01", "--from 2025-02-01 is after --to 2025-01-01")]
    [InlineData("--backfill --from 2025-01-01 --to 2025-06-02", "--to 2025-06-02 is in the future (today is 2025-06-01 UTC)")]
    [InlineData("--backfill --from 2025-01-01", "--from and --to go together: give both days of the range")]
    [InlineData("--backfill --from 01/02/2025 --to 2025-01-03", "--from needs a UTC date as yyyy-MM-dd (e.g. 2025-01-31)")]
    [InlineData("--backfill --days 5 --from 2025-01-01 --to 2025-01-02", "--days and --from/--to exclude each other: give either how many days back or the range")]
    [InlineData("--once --from 2025-01-01 --to 2025-01-02", "--from and --to go with --backfill")]
    public void Bad_ranges_get_a_clear_error(string args, string error)
    {
        Assert.Equal(error, IngestionCommandLine.Parse(args.Split(' '), new DateOnly(2025, 6, 1)).Error);
    }
}
