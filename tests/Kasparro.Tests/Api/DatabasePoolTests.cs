using Kasparro.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Kasparro.Tests.Api;

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
    public async Task Zero_connections_is_refused_at_start()
    {
        await using var api = new ApiFactory(database.ConnectionString, new Dictionary<string, string> { ["DatabasePool:MaxConnections"] = "0" });
        Assert.ThrowsAny<Exception>(() => api.CreateClient());
    }

    private static int MaxPoolSize(ApiFactory api) =>
        new NpgsqlConnectionStringBuilder(api.Services.GetRequiredService<NpgsqlDataSource>().ConnectionString).MaxPoolSize;
}
