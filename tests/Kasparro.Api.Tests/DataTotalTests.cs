using Kasparro.Api.Endpoints;
using Kasparro.Data;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static Kasparro.Testing.ApiSeed;

namespace Kasparro.Api.Tests;

/// <summary>
/// Runs alone: the total cache is keyed on the cluster-wide snapshot, so writes by test classes running at the same
/// time (other databases, same server) would make extra counts and blur the "counted once" assertion.
/// </summary>
[CollectionDefinition(nameof(DataTotalCollection), DisableParallelization = true)]
public sealed class DataTotalCollection;

/// <summary><c>GET /data</c>'s <c>pagination.total</c> is exact after every write, and not recounted while nothing changed.</summary>
[Collection(nameof(DataTotalCollection))]
public sealed class DataTotalTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private ApiFactory _api = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        await database.ResetAsync();
        await AddAsync(database,
            Record(SourceNames.Csv, "eth", "ETH", 1800m, T0),
            Record(SourceNames.CoinGecko, "bitcoin", "BTC", 83000m, T0),
            Record(SourceNames.CoinGecko, "solana", "SOL", 120m, T0));
        _api = new ApiFactory(database.ConnectionString);
        _client = _api.CreateClient();
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task A_record_written_between_requests_is_counted()
    {
        Assert.Equal(1, await TotalAsync("/data?source=csv"));
        Assert.Equal(3, await TotalAsync("/data"));

        await AddAsync(database, Record(SourceNames.Csv, "ada", "ADA", 0.7m, T0));

        Assert.Equal(2, await TotalAsync("/data?source=csv"));
        Assert.Equal(4, await TotalAsync("/data"));
    }

    [Fact]
    public async Task A_transaction_open_during_a_request_is_counted_once_it_commits()
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand(
            "INSERT INTO normalized_records (id, source, source_id, ticker, price_usd, created_at, ingested_at) VALUES ('csv_dot', 'csv', 'dot', 'DOT', 4, now(), now())",
            connection, transaction))
        {
            await insert.ExecuteNonQueryAsync();
        }

        // A later transaction commits first, so the snapshot's xmax is already past the open insert and will not move
        // when it commits: only the list of in-progress transactions changes. A cache keyed on xmax alone would keep
        // answering 1.
        await AddAsync(database, Record(SourceNames.CoinGecko, "cardano", "ADA", 0.7m, T0));
        Assert.Equal(1, await TotalAsync("/data?source=csv"));
        await transaction.CommitAsync();

        Assert.Equal(2, await TotalAsync("/data?source=csv"));
    }

    [Fact]
    public async Task Unchanged_data_is_counted_once_per_filter_whatever_the_page()
    {
        var cache = _api.Services.GetRequiredService<ExactTotalCache>();
        Assert.Equal(2, await TotalAsync("/data?source=coingecko&limit=1"));
        var counted = cache.Computed;

        for (var offset = 1; offset <= 5; offset++)
        {
            Assert.Equal(2, await TotalAsync($"/data?source=coingecko&limit=1&offset={offset}"));
        }

        Assert.Equal(counted, cache.Computed);
        Assert.Equal(1, await TotalAsync("/data?ticker=sol"));
        Assert.Equal(counted + 1, cache.Computed);
    }

    [Fact]
    public async Task Concurrent_requests_after_a_write_share_one_count()
    {
        var cache = _api.Services.GetRequiredService<ExactTotalCache>();
        Assert.Equal(1, await TotalAsync("/data?source=csv"));
        await AddAsync(database, Record(SourceNames.Csv, "xrp", "XRP", 0.5m, T0));
        var counted = cache.Computed;

        var totals = await Task.WhenAll(Enumerable.Range(0, 24).Select(i => TotalAsync($"/data?source=csv&offset={i % 3}")));

        Assert.All(totals, total => Assert.Equal(2, total));
        Assert.Equal(counted + 1, cache.Computed);
    }

    private async Task<long> TotalAsync(string path) =>
        (await _client.GetJsonAsync(path)).GetProperty("pagination").GetProperty("total").GetInt64();
}
