using System.Text.Json;
using System.Text.Json.Nodes;
using Kasparro.Contracts;
using Kasparro.Dashboard.Api;
using Kasparro.Security;
using Kasparro.Data;
using Kasparro.Data.Entities;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using static Kasparro.Testing.ApiSeed;

namespace Kasparro.Api.Tests;

/// <summary>
/// The one contract, proven on the wire: for every endpoint the dashboard reads, the dashboard's own client
/// (<see cref="KasparroApiClient"/>) calls the real API, and what it read, written back with the contract's JSON
/// options, equals what the API sent: no field dropped, renamed or changed in type on the way.
/// </summary>
public sealed class DashboardContractTests(DashboardContractTests.SeededApi api) : IClassFixture<DashboardContractTests.SeededApi>
{
    private static readonly DateTimeOffset From = new(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset To = new(2025, 3, 2, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Stats_round_trip() => api.AssertReadsAll(await api.Client.GetStatsAsync());

    [Fact]
    public async Task Runs_round_trip()
    {
        var page = await api.Client.GetRunsAsync(limit: 10, sort: "-fetched");

        api.AssertReadsAll(page);
        Assert.Equal(3, page.Value!.Pagination.Total);
    }

    [Fact]
    public async Task Run_detail_round_trips_with_its_drift_and_quarantined_records()
    {
        var run = await api.Client.GetRunAsync(api.FailedRunId);

        api.AssertReadsAll(run);
        Assert.NotEmpty(run.Value!.Drift);
        Assert.NotEmpty(run.Value.QuarantinedRecords);
    }

    [Fact]
    public async Task Run_comparison_round_trips() => api.AssertReadsAll(await api.Client.CompareRunsAsync(api.SuccessRunId, api.FailedRunId));

    [Fact]
    public async Task Asset_search_round_trips() => api.AssertReadsAll(await api.Client.SearchAssetsAsync("bit"));

    [Fact]
    public async Task Asset_detail_round_trips_with_decimal_prices()
    {
        var asset = await api.Client.GetAssetAsync("btc-bitcoin");

        api.AssertReadsAll(asset);
        // A price the API stores exactly reaches the page exactly: decimal all the way, no double in between.
        Assert.Contains(asset.Value!.Latest, quote => quote.PriceUsd == 83476.12345678m);
    }

    [Fact]
    public async Task Asset_history_round_trips() => api.AssertReadsAll(await api.Client.GetAssetHistoryAsync("btc-bitcoin", From, To));

    [Fact]
    public async Task Asset_comparison_round_trips() =>
        api.AssertReadsAll(await api.Client.CompareAssetsAsync(["btc-bitcoin", "eth-ethereum"], From, To));

    [Fact]
    public async Task Divergences_round_trip()
    {
        var divergences = await api.Client.GetDivergencesAsync(limit: 8);

        api.AssertReadsAll(divergences);
        Assert.NotEmpty(divergences.Value!.Data);
    }

    [Fact]
    public async Task Record_count_reads_the_data_pages_total()
    {
        var count = await api.Client.CountRecordsSinceAsync(T0.AddDays(-1));

        Assert.True(count.IsSuccess, count.Error);
        Assert.Equal(4, count.Value);
        var body = JsonNode.Parse(api.Recorder.LastBody!)!;
        Assert.Equal(4, body["pagination"]!["total"]!.GetValue<long>());
        AssertSameJson(body, JsonSerializer.SerializeToNode(JsonSerializer.Deserialize<DataResponse>(api.Recorder.LastBody!, ContractJson.Options), ContractJson.Options)!);
    }

    [Fact]
    public async Task Drift_round_trips() => api.AssertReadsAll(await api.Client.GetDriftAsync(source: null, kind: null, limit: 10));

    [Fact]
    public async Task Quarantine_round_trips() => api.AssertReadsAll(await api.Client.GetQuarantineAsync(source: null, runId: null, limit: 10));

    [Fact]
    public async Task Alerts_round_trip_with_their_details()
    {
        var alerts = await api.Client.GetAlertsAsync(state: null, limit: 10);

        api.AssertReadsAll(alerts);
        Assert.Equal("BTC sources disagree", Assert.Single(alerts.Value!.Data).Summary);
    }

    [Fact]
    public async Task Alert_rules_round_trip_and_a_created_rule_reads_back()
    {
        var created = await api.Client.CreateAlertRuleAsync(new AlertRuleRequest("price_move", "btc-bitcoin", null, 5m, "01:00:00", null, "00:30:00"));
        api.AssertReadsAll(created);

        var rules = await api.Client.GetAlertRulesAsync();
        api.AssertReadsAll(rules);
        Assert.Contains(rules.Value!.Data, rule => rule.Id == created.Value!.Id && rule.ThresholdPct == 5m);

        Assert.True((await api.Client.DeleteAlertRuleAsync(created.Value!.Id)).IsSuccess);
    }

    [Fact]
    public async Task Sources_round_trip() => api.AssertReadsAll(await api.Client.GetSourcesAsync());

    [Fact]
    public async Task Resuming_a_paused_source_reads_the_resumed_pause()
    {
        var outcome = await api.Client.ResumeSourceAsync(SourceNames.Csv);

        Assert.True(outcome.Resumed, outcome.Message);
        AssertBodyRoundTrips<SourceResumed>(api.Recorder.LastBody!);
    }

    [Fact]
    public async Task An_accepted_trigger_reads_its_trigger_id()
    {
        var outcome = await api.Client.TriggerEtlAsync(SourceNames.CoinGecko);

        Assert.Equal(TriggerOutcomeKind.Accepted, outcome.Kind);
        var accepted = AssertBodyRoundTrips<TriggerAccepted>(api.Recorder.LastBody!);
        Assert.Equal(accepted.TriggerId, outcome.TriggerId);
    }

    [Fact]
    public async Task A_conflicting_trigger_reads_the_running_run_of_the_problem()
    {
        var outcome = await api.Client.TriggerEtlAsync(SourceNames.CoinPaprika);

        Assert.Equal(TriggerOutcomeKind.AlreadyRunning, outcome.Kind);
        Assert.Contains($"run #{api.RunningRunId}", outcome.Message);
    }

    [Fact]
    public async Task A_validation_problem_reads_the_fields_it_names()
    {
        var page = await api.Client.GetRunsAsync(limit: 0);

        Assert.False(page.IsSuccess);
        Assert.Equal(400, page.StatusCode);
        Assert.Contains("limit", page.Error);
    }

    private static T AssertBodyRoundTrips<T>(string body)
    {
        var value = JsonSerializer.Deserialize<T>(body, ContractJson.Options)!;
        AssertSameJson(JsonNode.Parse(body)!, JsonSerializer.SerializeToNode(value, ContractJson.Options)!);
        return value;
    }

    private static void AssertSameJson(JsonNode sent, JsonNode read)
    {
        // Both sides as parsed text, so numbers compare by value (100.0 and 100 alike) and strings exactly.
        var sentElement = JsonDocument.Parse(sent.ToJsonString()).RootElement;
        var readElement = JsonDocument.Parse(read.ToJsonString()).RootElement;
        Assert.True(JsonElement.DeepEquals(sentElement, readElement), $"The API sent\n{sent.ToJsonString()}\nbut the dashboard read\n{read.ToJsonString()}");
    }

    /// <summary>Keeps the body of the last response the dashboard's client received.</summary>
    public sealed class ResponseRecorder : DelegatingHandler
    {
        public string? LastBody { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            LastBody = await response.Content.ReadAsStringAsync(cancellationToken);
            return response;
        }
    }

    /// <summary>One database with a row for every list the dashboard shows, the API over it, and the dashboard's client.</summary>
    public sealed class SeededApi : IAsyncLifetime
    {
        private readonly DatabaseFixture _database = new();
        private ApiFactory _api = null!;

        public ResponseRecorder Recorder { get; } = new();

        public KasparroApiClient Client { get; private set; } = null!;

        public long SuccessRunId { get; private set; }

        public long FailedRunId { get; private set; }

        public long RunningRunId { get; private set; }

        /// <summary>The call succeeded, and what the client read is exactly the JSON the API sent.</summary>
        public void AssertReadsAll<T>(ApiResult<T> result)
        {
            Assert.True(result.IsSuccess, result.Error);
            AssertSameJson(JsonNode.Parse(Recorder.LastBody!)!, JsonSerializer.SerializeToNode(result.Value, ContractJson.Options)!);
        }

        public async Task InitializeAsync()
        {
            await _database.InitializeAsync();
            var success = Run(SourceNames.CoinGecko, EtlRunStatus.Success, T0.AddHours(-2), fetched: 250);
            var failed = Run(SourceNames.Csv, EtlRunStatus.Failed, T0.AddHours(-1), fetched: 10, quarantined: 2);
            failed.ErrorMessage = "missing column price_usd";
            var running = Run(SourceNames.CoinPaprika, EtlRunStatus.Running, T0);
            await AddAsync(_database, success, failed, running);
            (SuccessRunId, FailedRunId, RunningRunId) = (success.Id, failed.Id, running.Id);

            var rule = new AlertRule { Kind = "divergence", ThresholdPct = 2m, Cooldown = TimeSpan.FromHours(1), Origin = AlertRuleOrigins.Api, CreatedAt = T0 };
            await AddAsync(_database,
                new Asset { Id = "btc-bitcoin", Symbol = "BTC", Name = "Bitcoin", MarketCapUsd = 1_656_538_234_098m, CreatedAt = T0, UpdatedAt = T0 },
                new Asset { Id = "eth-ethereum", Symbol = "ETH", Name = "Ethereum", MarketCapUsd = 200_000_000_000m, CreatedAt = T0, UpdatedAt = T0 },
                Mapping(SourceNames.CoinGecko, "bitcoin", "btc-bitcoin", MappingRules.SymbolAndName, 0.95m),
                Mapping(SourceNames.CoinPaprika, "btc-bitcoin", "btc-bitcoin", MappingRules.NewAsset, 1m),
                Mapping(SourceNames.CoinGecko, "ethereum", "eth-ethereum", MappingRules.NewAsset, 1m),
                Record(SourceNames.CoinGecko, "bitcoin", "BTC", 83476.12345678m, T0, "btc-bitcoin"),
                Record(SourceNames.CoinPaprika, "btc-bitcoin", "BTC", 85100m, T0, "btc-bitcoin"),
                Record(SourceNames.CoinGecko, "ethereum", "ETH", 2000.5m, T0, "eth-ethereum"),
                Record(SourceNames.Csv, "ETH", "ETH", 1990m, T0, null),
                new SchemaDriftEvent
                {
                    Source = SourceNames.Csv, Field = "price_usd", Kind = DriftKinds.MissingRequired, Severity = "critical", FirstSeen = T0, LastSeen = T0,
                    Count = 1, FirstRunId = failed.Id, LastRunId = failed.Id,
                },
                new SchemaDriftEvent
                {
                    Source = SourceNames.CoinGecko, Field = "currentPrice", Kind = DriftKinds.Renamed, Severity = "warning", Suggestion = "current_price",
                    Confidence = 0.95m, FirstSeen = T0, LastSeen = T0, Count = 3, FirstRunId = success.Id, LastRunId = success.Id,
                },
                new QuarantinedRecord
                {
                    Source = SourceNames.Csv, RunId = failed.Id, SourceId = "ETH", Location = "line 3", Reason = "price_usd is not a number",
                    RawContent = "ETH,Ethereum,abc", QuarantinedAt = T0.AddHours(-1),
                },
                rule,
                new SourceState { Source = SourceNames.Csv, PausedAt = T0.AddHours(-1), PauseReason = "breaking drift: price_usd missing", PausedRunId = failed.Id });
            await AddAsync(_database, new Alert
            {
                RuleId = rule.Id, Subject = "btc-bitcoin", State = AlertStates.Open, OpenedAt = T0, LastNotifiedAt = T0,
                Details = """{"summary": "BTC sources disagree", "divergence_pct": 1.9}""",
            });
            await SeedHistoryAsync();

            _api = ApiFactory.WithToken(_database.ConnectionString);
            await _api.RegisterEtlJobsAsync([.. SourceNames.Snapshot]);
            var http = _api.CreateDefaultClient(Recorder);
            Client = new KasparroApiClient(http, Options.Create(new KasparroApiOptions { RequestTimeout = TimeSpan.FromSeconds(30) }),
                Options.Create(new SchedulerTokenOptions { Token = ApiFactory.SchedulerToken }), NullLogger<KasparroApiClient>.Instance);
        }

        public async Task DisposeAsync()
        {
            await _api.DisposeAsync();
            await _database.DisposeAsync();
        }

        private static AssetMapping Mapping(string source, string sourceId, string assetId, string rule, decimal confidence) =>
            new() { Source = source, SourceId = sourceId, AssetId = assetId, Rule = rule, Confidence = confidence, LinkedAt = T0 };

        /// <summary>A day of hourly points for two BTC sources and one ETH source.</summary>
        private async Task SeedHistoryAsync()
        {
            await using var connection = new NpgsqlConnection(_database.ConnectionString);
            await connection.OpenAsync();
            await using var insert = new NpgsqlCommand("""
                INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, market_cap_usd, volume_24h_usd, is_backfill)
                SELECT s.source, s.source_id, t, s.asset_id, s.base + extract(epoch FROM t - '2025-03-01Z') / 3600 * 1.25, s.base * 1000, 5.5, false
                FROM (VALUES ('coingecko', 'bitcoin', 'btc-bitcoin', 80000.125), ('coinpaprika', 'btc-bitcoin', 'btc-bitcoin', 80010),
                             ('coingecko', 'ethereum', 'eth-ethereum', 2000.5)) AS s(source, source_id, asset_id, base),
                     generate_series(timestamptz '2025-03-01Z', timestamptz '2025-03-02Z' - interval '1 hour', interval '1 hour') AS t
                """, connection);
            await insert.ExecuteNonQueryAsync();
        }
    }
}
