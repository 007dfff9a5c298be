using System.Net.Http.Json;
using Kasparro.Data;
using Kasparro.Data.Entities;
using Kasparro.Data.Operations;
using Npgsql;

namespace Kasparro.Api.Tests.Operations;

/// <summary><c>GET /sources</c>, <c>POST /sources/{source}/resume</c> and the freshness fields of <c>/stats</c> and <c>/health</c>.</summary>
public sealed class SourcesApiTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => database.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task PauseAsync(string source, string reason)
    {
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        await SourcePauses.PauseAsync(dataSource, source, reason, 42, DateTimeOffset.UtcNow.AddMinutes(-5), CancellationToken.None);
    }

    private static HttpRequestMessage Resume(string source, string? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/sources/{source}/resume");
        if (token is not null)
        {
            request.Headers.Add("X-Scheduler-Token", token);
        }

        return request;
    }

    [Fact]
    public async Task Sources_list_each_policy_pause_state_and_freshness_from_the_shared_configuration()
    {
        await PauseAsync(SourceNames.CoinGecko, "breaking schema drift: renamed field 'totalVolume' (OnDrift = pause)");
        await using var api = new ApiFactory(database.ConnectionString, new Dictionary<string, string>
        {
            ["Sources:CoinGecko:OnDrift"] = "pause",
            ["Sources:Csv:OnDrift"] = "quarantine",
            ["Sources:coinpaprika:Freshness:WarnAfter"] = "00:05:00",
            ["Sources:coinpaprika:Freshness:ErrorAfter"] = "00:10:00",
        });

        var items = (await api.CreateClient().GetJsonAsync("/sources")).GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("source").GetString()!);

        Assert.Equal(SourceNames.All, items.Keys.ToList());
        var gecko = items[SourceNames.CoinGecko];
        Assert.Equal("pause", gecko.GetProperty("on_drift").GetString());
        Assert.True(gecko.GetProperty("paused").GetBoolean());
        Assert.Equal(42, gecko.GetProperty("paused_run_id").GetInt64());
        Assert.Contains("totalVolume", gecko.GetProperty("pause_reason").GetString());
        Assert.Equal("quarantine", items[SourceNames.Csv].GetProperty("on_drift").GetString());
        Assert.Equal("evolve", items[SourceNames.CoinPaprika].GetProperty("on_drift").GetString());
        Assert.False(items[SourceNames.CoinPaprika].GetProperty("paused").GetBoolean());
        var freshness = items[SourceNames.CoinPaprika].GetProperty("freshness");
        Assert.Equal((300, 600), (freshness.GetProperty("warn_after_seconds").GetDouble(), freshness.GetProperty("error_after_seconds").GetDouble()));
        Assert.Equal("error", freshness.GetProperty("status").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, freshness.GetProperty("age_seconds").ValueKind);
    }

    [Fact]
    public async Task Resume_needs_the_scheduler_token_lifts_the_pause_once_and_says_so()
    {
        await PauseAsync(SourceNames.CoinGecko, "breaking schema drift: missing field 'total_volume' (OnDrift = pause)");
        await using var api = ApiFactory.WithToken(database.ConnectionString);
        var client = api.CreateClient();
        await using var untokened = new ApiFactory(database.ConnectionString);

        Assert.Equal(403, (await untokened.CreateClient().SendJsonAsync(Resume("coingecko", ApiFactory.SchedulerToken))).Status);
        Assert.Equal(401, (await client.SendJsonAsync(Resume("coingecko", null))).Status);
        Assert.Equal(401, (await client.SendJsonAsync(Resume("coingecko", "wrong"))).Status);
        Assert.Equal(404, (await client.SendJsonAsync(Resume("nosuch", ApiFactory.SchedulerToken))).Status);
        var (status, body, _, _) = await client.SendJsonAsync(Resume("coingecko", ApiFactory.SchedulerToken));
        var (again, problem, _, contentType) = await client.SendJsonAsync(Resume("coingecko", ApiFactory.SchedulerToken));

        Assert.Equal(200, status);
        Assert.Equal("api", body.GetProperty("resumed_by").GetString());
        Assert.Equal(42, body.GetProperty("paused_run_id").GetInt64());
        Assert.Contains("total_volume", body.GetProperty("pause_reason").GetString());
        Assert.Equal(409, again);
        Assert.Equal("application/problem+json", contentType);
        Assert.Equal("coingecko is not paused: nothing to resume.", problem.GetProperty("detail").GetString());
        Assert.False((await client.GetJsonAsync("/sources")).GetProperty("items").EnumerateArray()
            .Single(i => i.GetProperty("source").GetString() == "coingecko").GetProperty("paused").GetBoolean());
    }

    [Fact]
    public async Task Stats_and_health_add_each_sources_freshness_against_its_targets()
    {
        var now = DateTimeOffset.UtcNow;
        // Default snapshot targets: warn after 30 minutes, error after 2 hours; the run finishes one second after it starts.
        await ApiSeed.AddAsync(database,
            ApiSeed.Run(SourceNames.CoinGecko, EtlRunStatus.Success, now.AddMinutes(-29)),
            ApiSeed.Run(SourceNames.CoinPaprika, EtlRunStatus.Partial, now.AddMinutes(-31)),
            ApiSeed.Run(SourceNames.Csv, EtlRunStatus.Success, now.AddHours(-3)),
            ApiSeed.Run(SourceNames.Csv, EtlRunStatus.Failed, now.AddMinutes(-1)));
        await using var api = new ApiFactory(database.ConnectionString);
        var client = api.CreateClient();

        var stats = await client.GetJsonAsync("/stats");
        var health = (await client.GetJsonAsync("/health")).GetProperty("freshness");

        string Status(System.Text.Json.JsonElement e, string source) => e.GetProperty(source).GetProperty("freshness").GetProperty("status").GetString()!;
        Assert.Equal("ok", Status(stats, "coingecko"));
        Assert.Equal("warn", Status(stats, "coinpaprika"));
        Assert.Equal("error", Status(stats, "csv"));
        Assert.Equal("error", Status(stats, "coingecko-history"));
        Assert.Equal(1800, stats.GetProperty("coingecko").GetProperty("freshness").GetProperty("warn_after_seconds").GetDouble());
        Assert.Equal(7200, stats.GetProperty("coingecko").GetProperty("freshness").GetProperty("error_after_seconds").GetDouble());
        Assert.InRange(stats.GetProperty("coingecko").GetProperty("freshness").GetProperty("age_seconds").GetDouble(), 29 * 60 - 2, 30 * 60);
        // The existing fields stay as they were.
        Assert.Equal("idle", stats.GetProperty("csv").GetProperty("state").GetString());
        Assert.Equal(2, stats.GetProperty("csv").GetProperty("total_runs").GetInt64());
        Assert.Equal("ok", health.GetProperty("coingecko").GetProperty("status").GetString());
        Assert.Equal("warn", health.GetProperty("coinpaprika").GetProperty("status").GetString());
        Assert.Equal("error", health.GetProperty("csv").GetProperty("status").GetString());
    }

    [Theory]
    [InlineData(0, "ok")]
    [InlineData(1799, "ok")]
    [InlineData(1800, "warn")]
    [InlineData(7199, "warn")]
    [InlineData(7200, "error")]
    [InlineData(100_000, "error")]
    public void Freshness_is_ok_below_warn_after_warn_from_it_and_error_from_error_after(int ageSeconds, string expected)
    {
        var targets = new FreshnessTargets { WarnAfter = TimeSpan.FromMinutes(30), ErrorAfter = TimeSpan.FromHours(2) };
        var now = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

        Assert.Equal(expected, FreshnessStatus.Classify(targets, now.AddSeconds(-ageSeconds), now));
        Assert.Equal("error", FreshnessStatus.Classify(targets, null, now));
    }
}
