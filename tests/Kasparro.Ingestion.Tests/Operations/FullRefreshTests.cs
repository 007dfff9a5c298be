using Kasparro.Data;
using Kasparro.Data.Entities;
using Kasparro.Ingestion;
using Kasparro.Ingestion.Pipeline;
using Kasparro.Upstreams;
using Kasparro.Upstreams.Universe;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kasparro.Ingestion.Tests.Operations;

/// <summary><c>--full-refresh [--source S]</c>: forget a source's checkpoints, re-read everything, add nothing twice.</summary>
public sealed class FullRefreshTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => database.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static Task<RunOutcome> FullRefreshAsync(IngestionHost host, string source) =>
        host.Services.GetRequiredService<EtlRunner>().RunAsync(source, "cli", null, CancellationToken.None, fullRefresh: true);

    [Fact]
    public async Task A_full_refresh_rereads_a_csv_file_the_checkpoint_had_skipped_and_adds_no_duplicate_history()
    {
        var folder = TestFiles.CreateFolder(("prices.csv",
            "symbol,name,price_usd,created_at\n" +
            "BTC,Bitcoin,70000,2026-02-01T00:00:00Z\n" +
            "ETH,Ethereum,2500,2026-02-01T00:00:00Z\n" +
            "SOL,Solana,-5,2026-02-01T00:00:00Z\n" +
            "BTC,Bitcoin,70100,2026-02-01T01:00:00Z\n"));
        await using var host = IngestionHost.Create(database.ConnectionString, upstream: null, folder);

        var first = await host.RunAsync(SourceNames.Csv);
        var skipped = await host.RunAsync(SourceNames.Csv);
        var history = await database.ScalarAsync<long>("SELECT count(*) FROM price_history");
        var refresh = await FullRefreshAsync(host, SourceNames.Csv);

        Assert.Equal((4, 3, 1), (first.Counts.Fetched, first.Counts.Inserted + first.Counts.Updated, first.Counts.Quarantined));
        Assert.Equal(0, skipped.Counts.Fetched);
        Assert.Equal(EtlRunStatus.Partial, refresh.Status);
        Assert.Equal(4, refresh.Counts.Fetched);
        Assert.Equal((0, 0, 3, 1), (refresh.Counts.Inserted, refresh.Counts.Updated, refresh.Counts.Unchanged, refresh.Counts.Quarantined));
        Assert.Equal(refresh.Counts.Fetched, refresh.Counts.Inserted + refresh.Counts.Updated + refresh.Counts.Unchanged + refresh.Counts.Quarantined);
        Assert.Equal(history, await database.ScalarAsync<long>("SELECT count(*) FROM price_history"));
        Assert.Equal(0, await database.ScalarAsync<long>(
            "SELECT count(*) FROM (SELECT 1 FROM price_history GROUP BY source, source_id, observed_at HAVING count(*) > 1) d"));
        await using var db = database.CreateDb();
        var run = await db.EtlRuns.SingleAsync(r => r.Id == refresh.RunId);
        Assert.Equal("full-refresh", run.Trigger);
        Assert.Equal((4, 3, 1), (run.Fetched, run.Unchanged, run.Quarantined));
        // The refresh wrote fresh checkpoints: the next ordinary run skips the file again.
        Assert.Equal(0, (await host.RunAsync(SourceNames.Csv)).Counts.Fetched);
    }

    [Fact]
    public async Task A_full_refresh_of_coingecko_reads_every_page_again_and_counts_every_coin_unchanged()
    {
        await using var upstream = await UpstreamServer.StartAsync(new UpstreamOptions { Universe = UpstreamUniverse.RealTop200() });
        await using var host = IngestionHost.Create(database.ConnectionString, upstream);
        var first = await host.RunAsync(SourceNames.CoinGecko);
        var history = await database.ScalarAsync<long>("SELECT count(*) FROM price_history");
        Assert.True(await database.ScalarAsync<long>("SELECT count(*) FROM etl_checkpoints WHERE source = 'coingecko'") > 0);

        var refresh = await FullRefreshAsync(host, SourceNames.CoinGecko);

        Assert.Equal(EtlRunStatus.Success, refresh.Status);
        Assert.Equal(first.Counts.Fetched, refresh.Counts.Fetched);
        Assert.Equal(refresh.Counts.Fetched, refresh.Counts.Unchanged);
        Assert.Equal(history, await database.ScalarAsync<long>("SELECT count(*) FROM price_history"));
        Assert.Equal("full-refresh", await database.ScalarAsync<string>($"SELECT trigger FROM etl_runs WHERE id = {refresh.RunId}"));
    }

    [Theory]
    [InlineData("--full-refresh --source csv", true, "csv")]
    [InlineData("--full-refresh", true, null)]
    [InlineData("--once --source coingecko", false, "coingecko")]
    public void Full_refresh_is_a_once_run_of_the_named_or_every_source(string args, bool fullRefresh, string? source)
    {
        var line = IngestionCommandLine.Parse(args.Split(' '));

        Assert.Null(line.Error);
        Assert.Equal(IngestionMode.Once, line.Mode);
        Assert.Equal(fullRefresh, line.FullRefresh);
        Assert.Equal(source is null ? [] : [source], line.Sources);
    }

    [Fact]
    public void Full_refresh_does_not_go_with_a_backfill()
    {
        Assert.Equal("--full-refresh is a run of the snapshot sources: give it alone or with --source",
            IngestionCommandLine.Parse(["--full-refresh", "--backfill"]).Error);
    }
}
