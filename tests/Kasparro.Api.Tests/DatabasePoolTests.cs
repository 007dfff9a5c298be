using Microsoft.Extensions.DependencyInjection;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Kasparro.Api.Tests;

/// <summary>The API's own connection pool is bounded (a small pool keeps p99 low under load), and configurable.</summary>
public sealed class DatabasePoolTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task The_pool_is_two_connections_per_core_unless_configured()
    {
        await using var defaults = new ApiFactory(database.ConnectionString);
        Assert.Equal(Math.Max(2, 2 * Environment.ProcessorCount), MaxPoolSize(defaults));

        await using var configured = new ApiFactory(database.ConnectionString, new Dictionary<string, string> { ["DatabasePool:MaxConnections"] = "3" });
        Assert.Equal(3, MaxPoolSize(configured));
    }

    [Fact]
    public async Task Many_concurrent_requests_share_a_pool_of_two_and_all_succeed()
    {
        await using var api = new ApiFactory(database.ConnectionString, new Dictionary<string, string> { ["DatabasePool:MaxConnections"] = "2" });
        var client = api.CreateClient();
        var responses = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => client.GetAsync($"/data?limit=5&offset={i}")));
        Assert.All(responses, r => Assert.Equal(200, (int)r.StatusCode));
        Assert.Equal(2, MaxPoolSize(api));
    }

    [Fact]
    public async Task EF_Core_endpoints_take_their_connections_from_the_same_bounded_pool()
    {
        await using var api = new ApiFactory(database.ConnectionString, new Dictionary<string, string> { ["DatabasePool:MaxConnections"] = "2" });
        var client = api.CreateClient();
        using (var scope = api.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<Kasparro.Data.KasparroDb>();
            Assert.Equal(2, new NpgsqlConnectionStringBuilder(db.Database.GetDbConnection().ConnectionString).MaxPoolSize);
        }

        // While 40 requests to EF Core endpoints run at once, the API never holds more than its two pooled connections.
        var most = 0;
        var requests = Task.WhenAll(Enumerable.Range(0, 40).Select(i => client.GetAsync(i % 2 == 0 ? "/runs?limit=5" : "/stats")));
        while (!requests.IsCompleted)
        {
            most = Math.Max(most, await database.ScalarAsync<int>(
                $"SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = '{Kasparro.Api.Hosting.DatabasePoolOptions.ApplicationName}'"));
        }

        Assert.All(await requests, r => Assert.Equal(200, (int)r.StatusCode));
        Assert.InRange(most, 1, 2);
    }

    [Fact]
    public async Task Zero_connections_is_refused_at_start()
    {
        await using var api = new ApiFactory(database.ConnectionString, new Dictionary<string, string> { ["DatabasePool:MaxConnections"] = "0" });
        Assert.ThrowsAny<Exception>(() => api.CreateClient());
    }

    private static int MaxPoolSize(ApiFactory api) =>
        new NpgsqlConnectionStringBuilder(api.Services.GetRequiredService<NpgsqlDataSource>().ConnectionString).MaxPoolSize;
}
