using System.Diagnostics;
using Kasparro.Data;
using Kasparro.Data.Entities;
using Xunit.Abstractions;
using static Kasparro.Testing.ApiSeed;

namespace Kasparro.Api.Tests.Exports;

/// <summary>
/// Alone: the API is hosted in the test process, so live memory is measured for the whole process, and other test
/// classes running beside it would count too.
/// </summary>
[CollectionDefinition(nameof(CsvExportMemoryCollection), DisableParallelization = true)]
public sealed class CsvExportMemoryCollection;

/// <summary>A million-row export streams: the API's live memory stays flat while it writes ~70 MB of CSV.</summary>
[Collection(nameof(CsvExportMemoryCollection))]
public sealed class CsvExportMemoryTests(DatabaseFixture database, ITestOutputHelper output) : IClassFixture<DatabaseFixture>
{
    private const int PointsPerSource = 500_000;

    /// <summary>
    /// The bound: the export is ~70 MB of UTF-8 (~140 MB as .NET strings) and 1M rows as objects are ~100 MB, so any
    /// implementation that collects the rows or the text before sending passes it by far; a streaming one holds a few
    /// buffers (CsvHelper's, the StreamWriter's, the response pipe's, Npgsql's read buffer): well under 1 MB.
    /// </summary>
    private const long MostLiveGrowth = 64L * 1024 * 1024;

    [Fact]
    public async Task A_million_row_history_export_streams_in_constant_memory()
    {
        await database.ResetAsync();
        await AddAsync(database, new Asset { Id = "btc-bitcoin", Symbol = "BTC", Name = "Bitcoin", CreatedAt = T0, UpdatedAt = T0 });
        await AddAsync(database,
            new AssetMapping { Source = SourceNames.CoinGecko, SourceId = "bitcoin", AssetId = "btc-bitcoin", Rule = MappingRules.SymbolAndName, LinkedAt = T0 },
            new AssetMapping { Source = SourceNames.CoinPaprika, SourceId = "btc-bitcoin", AssetId = "btc-bitcoin", Rule = MappingRules.SymbolAndName, LinkedAt = T0 });
        await database.ExecuteAsync($"""
            -- Straight into the storage: the price_history view's triggers write a row at a time.
            INSERT INTO price_series (source, source_id, asset_id) VALUES ('coingecko', 'bitcoin', 'btc-bitcoin'), ('coinpaprika', 'btc-bitcoin', 'btc-bitcoin');
            SELECT ensure_price_points_partitions(array(SELECT timestamptz '2024-01-01Z' + n * interval '1 minute' FROM generate_series(0, {PointsPerSource - 1}, 1440) AS n));
            INSERT INTO price_points (observed_at, series_id, is_backfill, price_usd, market_cap_usd, volume_24h_usd)
            SELECT timestamptz '2024-01-01Z' + n * interval '1 minute', s.id, false,
                   83000.123456789 + n * 0.000001, 1656538234098.5 + n, n * 10
            FROM price_series AS s,
                 generate_series(0, {PointsPerSource - 1}) AS n
            """);

        await using var api = new ApiFactory(database.ConnectionString);
        var client = api.CreateClient();
        client.Timeout = TimeSpan.FromMinutes(5);
        await client.GetAsync("/assets/btc-bitcoin/history?format=csv&interval=raw&from=2024-01-01T00:00:00Z&to=2024-01-01T01:00:00Z"); // warm up

        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        long peak = baseline;
        using var done = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                // A full collection per sample: what is measured is what the export keeps alive, not garbage awaiting gen0.
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true));
                await Task.Delay(50);
            }
        });

        var clock = Stopwatch.StartNew();
        using var response = await client.GetAsync("/assets/btc-bitcoin/history?format=csv&interval=raw&from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z",
            HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(200, (int)response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        long lines = 0, bytes = 0;
        string? last = null;
        while (await reader.ReadLineAsync() is { } line)
        {
            lines++;
            bytes += line.Length + 2;
            last = line;
        }

        clock.Stop();
        await done.CancelAsync();
        await sampler;

        Assert.Equal(1 + 2 * PointsPerSource, lines);
        var lastAt = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(PointsPerSource - 1);
        var lastPrice = 83000.123456789m + (PointsPerSource - 1) * 0.000001m;
        Assert.StartsWith(FormattableString.Invariant($"coinpaprika,{lastAt:yyyy-MM-dd'T'HH:mm:ss'Z'},{lastPrice},"), last, StringComparison.Ordinal);
        var growth = peak - baseline;
        output.WriteLine($"{lines - 1:N0} rows, {bytes / 1024 / 1024} MB of CSV in {clock.Elapsed.TotalSeconds:0.0} s; live heap growth at most {growth / 1024.0 / 1024:0.0} MB");
        Assert.True(growth < MostLiveGrowth, $"live memory grew by {growth / 1024 / 1024} MB during the export");
    }
}
