using System.Text.Json;
using Kasparro.Data;
using Kasparro.Data.Entities;
using static Kasparro.Testing.ApiSeed;

namespace Kasparro.Api.Tests;

/// <summary>Run history, run comparison, per-source stats and data-quality listings.</summary>
public sealed class RunsApiTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private ApiFactory _api = null!;
    private HttpClient _client = null!;
    private EtlRun _baseline = null!;
    private EtlRun _degraded = null!;
    private EtlRun _running = null!;

    public async Task InitializeAsync()
    {
        await database.ResetAsync();
        _baseline = Run(SourceNames.CoinGecko, EtlRunStatus.Success, T0, fetched: 250, durationMs: 5000);
        _degraded = Run(SourceNames.CoinGecko, EtlRunStatus.Partial, T0.AddHours(1), fetched: 120, durationMs: 12000, quarantined: 20);
        _degraded.TriggerId = "trigger-abc";
        _degraded.Trigger = "manual";
        var failed = Run(SourceNames.CoinPaprika, EtlRunStatus.Failed, T0.AddHours(2), fetched: 0, durationMs: 300);
        failed.ErrorMessage = "upstream 503";
        _running = Run(SourceNames.CoinPaprika, EtlRunStatus.Running, T0.AddHours(3));
        await AddAsync(database, _baseline, _degraded, failed, _running);

        var quarantined = Enumerable.Range(0, 120).Select(i => new QuarantinedRecord
        {
            Source = SourceNames.CoinGecko, RunId = _degraded.Id, SourceId = $"bad{i}", Location = $"page 1 item {i}",
            Reason = "price_usd is negative", RawContent = "{\"price\": -1}", QuarantinedAt = T0.AddHours(1).AddSeconds(i),
        });
        var drift = new SchemaDriftEvent
        {
            Source = SourceNames.CoinGecko, Field = "current_price_usd", Kind = DriftKinds.Renamed, Severity = "warning",
            Suggestion = "current_price", Confidence = 0.9m, FirstSeen = T0.AddHours(1), LastSeen = T0.AddHours(1), Count = 3,
            FirstRunId = _degraded.Id, LastRunId = _degraded.Id,
        };
        var oldDrift = new SchemaDriftEvent
        {
            Source = SourceNames.Csv, Field = "extra", Kind = DriftKinds.Unknown, Severity = "info",
            FirstSeen = T0.AddDays(-1), LastSeen = T0.AddDays(-1), Count = 1,
        };
        await AddAsync(database, [.. quarantined, drift, oldDrift]);
        _api = new ApiFactory(database.ConnectionString);
        _client = _api.CreateClient();
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task Runs_are_listed_newest_first_with_filters()
    {
        var all = await _client.GetJsonAsync("/runs");
        Assert.Equal([_running.Id, 3, _degraded.Id, _baseline.Id], all.Ids().Select(long.Parse));
        Assert.Equal(4, all.GetProperty("pagination").GetProperty("total").GetInt64());
        Assert.Equal(20, all.GetProperty("pagination").GetProperty("limit").GetInt32());

        Assert.Equal([_degraded.Id, _baseline.Id], (await _client.GetJsonAsync("/runs?source=coingecko")).Ids().Select(long.Parse));
        Assert.Equal([_running.Id], (await _client.GetJsonAsync("/runs?status=running")).Ids().Select(long.Parse));
        var byTrigger = await _client.GetJsonAsync("/runs?trigger_id=trigger-abc");
        Assert.Equal([_degraded.Id], byTrigger.Ids().Select(long.Parse));
        var run = byTrigger.GetProperty("data")[0];
        Assert.Equal("manual", run.GetProperty("trigger").GetString());
        Assert.Equal(12000, run.GetProperty("duration_ms").GetInt64());
        Assert.Equal(run.GetProperty("fetched").GetInt32(),
            run.GetProperty("inserted").GetInt32() + run.GetProperty("updated").GetInt32() + run.GetProperty("unchanged").GetInt32() + run.GetProperty("quarantined").GetInt32());
        Assert.Equal([_baseline.Id], (await _client.GetJsonAsync("/runs?limit=1&offset=3")).Ids().Select(long.Parse));
    }

    [Fact]
    public async Task Runs_sort_by_a_column_in_either_direction_and_page_in_that_order()
    {
        // A running run has no duration yet: PostgreSQL puts nulls last ascending and first descending.
        Assert.Equal([3, _baseline.Id, _degraded.Id, _running.Id], (await _client.GetJsonAsync("/runs?sort=duration_ms")).Ids().Select(long.Parse));
        Assert.Equal([_running.Id, _degraded.Id, _baseline.Id, 3], (await _client.GetJsonAsync("/runs?sort=-duration_ms")).Ids().Select(long.Parse));
        Assert.Equal([_baseline.Id, _degraded.Id, 3, _running.Id], (await _client.GetJsonAsync("/runs?sort=started_at")).Ids().Select(long.Parse));
        var secondPage = await _client.GetJsonAsync("/runs?sort=-fetched&source=coingecko&limit=1&offset=1");
        Assert.Equal([_degraded.Id], secondPage.Ids().Select(long.Parse));
        Assert.Equal(2, secondPage.GetProperty("pagination").GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task An_unknown_sort_is_a_400_naming_the_choices()
    {
        var response = await _client.GetAsync("/runs?sort=worker");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("-duration_ms", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Run_detail_has_its_drift_and_first_hundred_quarantined_records()
    {
        var run = await _client.GetJsonAsync($"/runs/{_degraded.Id}");
        Assert.Equal("partial", run.GetProperty("status").GetString());
        Assert.Equal(20, run.GetProperty("quarantined").GetInt32());
        Assert.Equal("current_price_usd", run.GetProperty("drift").EnumerateArray().Single().GetProperty("field").GetString());
        Assert.Equal(100, run.GetProperty("quarantined_records").GetArrayLength());
        Assert.Equal(120, run.GetProperty("quarantined_total").GetInt64());
        Assert.Equal("bad0", run.GetProperty("quarantined_records")[0].GetProperty("source_id").GetString());

        var missing = await _client.GetJsonAsync("/runs/999999", expectedStatus: 404);
        Assert.Equal(404, missing.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Comparison_shows_differences_and_flags_anomalies()
    {
        var comparison = await _client.GetJsonAsync($"/compare-runs?run_a={_baseline.Id}&run_b={_degraded.Id}");
        var fetched = comparison.GetProperty("differences").GetProperty("fetched");
        Assert.Equal(250, fetched.GetProperty("a").GetInt64());
        Assert.Equal(120, fetched.GetProperty("b").GetInt64());
        Assert.Equal(-130, fetched.GetProperty("delta").GetInt64());
        Assert.Equal(-52.0, fetched.GetProperty("percent").GetDouble());
        Assert.Equal("partial", comparison.GetProperty("differences").GetProperty("status").GetProperty("b").GetString());

        var kinds = comparison.GetProperty("anomalies").EnumerateArray().Select(a => a.GetProperty("kind").GetString()).ToList();
        Assert.Equal(["record_drop", "slow_run", "new_drift", "status_regression", "quarantine_spike"], kinds);
        Assert.Contains("52% fewer", comparison.GetProperty("anomalies")[0].GetProperty("detail").GetString(), StringComparison.Ordinal);

        // Compared the other way round nothing regressed.
        var reverse = await _client.GetJsonAsync($"/compare-runs?run_a={_degraded.Id}&run_b={_baseline.Id}");
        Assert.DoesNotContain(reverse.GetProperty("anomalies").EnumerateArray(), a => a.GetProperty("kind").GetString() is "record_drop" or "status_regression");
    }

    [Theory]
    [InlineData("/compare-runs", "run_a")]
    [InlineData("/compare-runs?run_a=1", "run_b")]
    [InlineData("/compare-runs?run_a=0&run_b=1", "run_a")]
    [InlineData("/compare-runs?run_a=1&run_b=x", "run_b")]
    [InlineData("/compare-runs?run_a=-4&run_b=1", "run_a")]
    public async Task Comparison_needs_two_positive_ids(string url, string parameter)
    {
        var problem = await _client.GetJsonAsync(url, expectedStatus: 400);
        Assert.True(problem.GetProperty("errors").TryGetProperty(parameter, out _));
    }

    [Fact]
    public async Task Comparison_of_an_unknown_run_is_404()
    {
        await _client.GetJsonAsync($"/compare-runs?run_a={_baseline.Id}&run_b=424242", expectedStatus: 404);
    }

    [Fact]
    public async Task Stats_cover_every_source_with_state()
    {
        var stats = await _client.GetJsonAsync("/stats");
        Assert.Equal(SourceNames.All.Order(), stats.EnumerateObject().Select(p => p.Name).Order());

        var gecko = stats.GetProperty("coingecko");
        Assert.Equal(2, gecko.GetProperty("total_runs").GetInt64());
        Assert.Equal(2, gecko.GetProperty("successful_runs").GetInt64());
        Assert.Equal(0, gecko.GetProperty("failed_runs").GetInt64());
        Assert.Equal(250 + 100, gecko.GetProperty("total_processed").GetInt64());
        Assert.Equal(20, gecko.GetProperty("total_failed").GetInt64());
        Assert.Equal(20, gecko.GetProperty("total_quarantined").GetInt64());
        Assert.Equal(12000, gecko.GetProperty("last_duration_ms").GetInt64());
        Assert.Equal("2025-03-29T11:00:12Z", gecko.GetProperty("last_success").GetString());
        Assert.Equal("idle", gecko.GetProperty("state").GetString());

        var paprika = stats.GetProperty("coinpaprika");
        Assert.Equal("running", paprika.GetProperty("state").GetString());
        Assert.Equal(_running.Id, paprika.GetProperty("current_run_id").GetInt64());
        Assert.Equal(1, paprika.GetProperty("failed_runs").GetInt64());
        Assert.Equal(JsonValueKind.Null, paprika.GetProperty("last_success").ValueKind);
        Assert.Equal("2025-03-29T12:00:00.3Z", paprika.GetProperty("last_failure").GetString());

        var csv = stats.GetProperty("csv");
        Assert.Equal(0, csv.GetProperty("total_runs").GetInt64());
        Assert.Equal("idle", csv.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, csv.GetProperty("backfill").ValueKind);
    }

    [Fact]
    public async Task Stats_show_how_far_the_history_backfill_has_come()
    {
        await ApiSeed.AddAsync(database,
            ApiSeed.Run(SourceNames.CoinGeckoHistory, EtlRunStatus.Success, ApiSeed.T0.AddDays(1), fetched: 2161),
            ApiSeed.Run(SourceNames.CoinGeckoHistory, EtlRunStatus.Partial, ApiSeed.T0.AddDays(2), fetched: 500, quarantined: 3),
            new EtlCheckpoint { Key = "coingecko-history:bitcoin", Source = SourceNames.CoinGeckoHistory, UpdatedAt = ApiSeed.T0 },
            new EtlCheckpoint { Key = "coingecko-history:ethereum", Source = SourceNames.CoinGeckoHistory, UpdatedAt = ApiSeed.T0 });

        var history = (await _client.GetJsonAsync("/stats")).GetProperty(SourceNames.CoinGeckoHistory);

        var backfill = history.GetProperty("backfill");
        Assert.Equal(2, backfill.GetProperty("assets_complete").GetInt64());
        Assert.Equal(2161 + 497, backfill.GetProperty("points_written").GetInt64());
        Assert.Equal(2, history.GetProperty("total_runs").GetInt64());
    }

    [Fact]
    public async Task Drift_and_quarantine_are_paged_newest_first()
    {
        var drift = await _client.GetJsonAsync("/drift");
        Assert.Equal(["current_price_usd", "extra"], drift.Ids("field"));
        Assert.Equal(["extra"], (await _client.GetJsonAsync("/drift?source=csv&kind=unknown_field")).Ids("field"));
        Assert.Empty((await _client.GetJsonAsync("/drift?kind=missing_required")).Ids());

        var first = await _client.GetJsonAsync($"/quarantine?run_id={_degraded.Id}&limit=50");
        Assert.Equal(120, first.GetProperty("pagination").GetProperty("total").GetInt64());
        Assert.Equal("bad119", first.GetProperty("data")[0].GetProperty("source_id").GetString());
        var last = await _client.GetJsonAsync($"/quarantine?run_id={_degraded.Id}&limit=50&offset=100");
        Assert.Equal(20, last.GetProperty("pagination").GetProperty("returned").GetInt32());
        Assert.Empty(first.Ids().Intersect(last.Ids()));
        Assert.Empty((await _client.GetJsonAsync("/quarantine?source=csv")).Ids());
    }
}
