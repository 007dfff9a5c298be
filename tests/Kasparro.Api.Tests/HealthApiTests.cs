using System.Text.Json;
using Kasparro.Data;
using Kasparro.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Kasparro.Api.Tests;

/// <summary><c>GET /health</c>: 200 with the last run while the database answers, 503 while it does not, and recovery.</summary>
public sealed class HealthApiTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task Healthy_database_reports_the_last_run_or_null_before_the_first()
    {
        await database.ResetAsync();
        await using var api = new ApiFactory(database.ConnectionString);
        var client = api.CreateClient();

        var empty = await client.GetJsonAsync("/health");
        Assert.Equal("ok", empty.GetProperty("status").GetString());
        Assert.Equal("connected", empty.GetProperty("database").GetString());
        Assert.Equal(JsonValueKind.Null, empty.GetProperty("last_etl_run").ValueKind);

        await ApiSeed.AddAsync(database,
            ApiSeed.Run(SourceNames.CoinPaprika, EtlRunStatus.Success, ApiSeed.T0),
            ApiSeed.Run(SourceNames.CoinGecko, EtlRunStatus.Partial, ApiSeed.T0.AddMinutes(5), fetched: 250, quarantined: 2));
        var last = (await client.GetJsonAsync("/health")).GetProperty("last_etl_run");
        Assert.Equal("coingecko", last.GetProperty("source").GetString());
        Assert.Equal("partial", last.GetProperty("status").GetString());
        Assert.Equal(250, last.GetProperty("fetched").GetInt32());
        Assert.Equal(2, last.GetProperty("quarantined").GetInt32());
        Assert.Equal("2025-03-29T10:05:00Z", last.GetProperty("started_at").GetString());
    }

    [Fact]
    public async Task Stopped_database_is_503_disconnected_and_recovers_by_itself()
    {
        await using var server = await PostgresServer.StartAsync();
        var connectionString = await server.CreateMigratedDatabaseAsync("kasparro_health");
        await using var api = new ApiFactory(connectionString);
        var client = api.CreateClient();
        Assert.Equal("connected", (await client.GetJsonAsync("/health")).GetProperty("database").GetString());

        await server.StopAsync();
        var down = await client.GetJsonAsync("/health", expectedStatus: 503);
        Assert.Equal("unavailable", down.GetProperty("status").GetString());
        Assert.Equal("disconnected", down.GetProperty("database").GetString());
        Assert.Equal(JsonValueKind.Null, down.GetProperty("last_etl_run").ValueKind);
        // Data endpoints answer a clean 503 problem too, not a 500.
        var data = await client.GetAsync("/data");
        Assert.Equal(503, (int)data.StatusCode);
        Assert.Equal("application/problem+json", data.Content.Headers.ContentType?.MediaType);
        // /metrics keeps answering (with the last values) rather than failing the scrape.
        Assert.Equal(200, (int)(await client.GetAsync("/metrics")).StatusCode);

        await server.RestartAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        int status;
        do
        {
            status = (int)(await client.GetAsync("/health")).StatusCode;
            if (status != 200)
            {
                await Task.Delay(250);
            }
        }
        while (status != 200 && DateTime.UtcNow < deadline);

        var up = await client.GetJsonAsync("/health");
        Assert.Equal("connected", up.GetProperty("database").GetString());
        Assert.Equal(200, (int)(await client.GetAsync("/data")).StatusCode);
    }
}
