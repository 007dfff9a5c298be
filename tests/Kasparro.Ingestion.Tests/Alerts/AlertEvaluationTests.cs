using System.Text.Json;
using Kasparro.Data;
using Kasparro.Data.Entities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Kasparro.Ingestion.Tests.Alerts;

/// <summary>Every rule kind fires once while its condition holds and resolves when it clears; dedupe and cooldown; config rules.</summary>
public sealed class AlertEvaluationTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private static readonly Uri UnusedWebhook = new("http://127.0.0.1:9/unused");

    public Task InitializeAsync() => AlertHarness.ResetAsync(database);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Divergence_fires_once_while_sources_disagree_and_resolves_when_they_agree()
    {
        await using var host = AlertHarness.Host(database, AlertHarness.Settings(UnusedWebhook,
            new Dictionary<string, string> { ["Kind"] = "divergence", ["ThresholdPct"] = "2" }));
        await AlertHarness.PriceAsync(database, "btc-bitcoin", 100m, 103m);

        var first = await host.Evaluator().EvaluateAsync(default);
        var again = await host.Evaluator().EvaluateAsync(default);

        Assert.Equal(1, first.Opened);
        Assert.Equal(0, again.Opened);
        var alert = Assert.Single(await AlertHarness.AlertsAsync(database));
        Assert.Equal("btc-bitcoin", alert.Subject);
        Assert.Equal(AlertStates.Open, alert.State);
        // (103 - 100) / 100: the /divergences definition.
        Assert.Equal(3.0, JsonDocument.Parse(alert.Details).RootElement.GetProperty("divergence_pct").GetDouble(), 6);

        await AlertHarness.PriceAsync(database, "btc-bitcoin", 100m, 101m);
        var cleared = await host.Evaluator().EvaluateAsync(default);

        Assert.Equal(1, cleared.Resolved);
        alert = Assert.Single(await AlertHarness.AlertsAsync(database));
        Assert.Equal(AlertStates.Resolved, alert.State);
        Assert.NotNull(alert.ResolvedAt);
        var deliveries = await AlertHarness.DeliveriesAsync(database);
        Assert.Equal(["opened", "resolved"], deliveries.Select(d => d.Event));
        Assert.All(deliveries, d => Assert.Equal(alert.Id, d.AlertId));
        var resolvedBody = JsonDocument.Parse(deliveries[1].Body).RootElement;
        Assert.Equal($"{alert.Id}:resolved", resolvedBody.GetProperty("event_id").GetString());
        Assert.Equal("resolved", resolvedBody.GetProperty("alert").GetProperty("state").GetString());
        Assert.Equal("divergence", resolvedBody.GetProperty("rule").GetProperty("kind").GetString());
    }

    [Fact]
    public async Task A_divergence_rule_for_one_asset_ignores_the_others()
    {
        await using var host = AlertHarness.Host(database, AlertHarness.Settings(null,
            new Dictionary<string, string> { ["Kind"] = "divergence", ["AssetId"] = "eth-ethereum", ["ThresholdPct"] = "2" }));
        await AlertHarness.PriceAsync(database, "btc-bitcoin", 100m, 110m);

        var changes = await host.Evaluator().EvaluateAsync(default);

        Assert.Equal(0, changes.Opened);
        Assert.Empty(await AlertHarness.AlertsAsync(database));
    }

    [Fact]
    public async Task Price_move_fires_when_the_price_moved_more_than_the_threshold_within_the_window_and_resolves_after()
    {
        await using var host = AlertHarness.Host(database, AlertHarness.Settings(UnusedWebhook,
            new Dictionary<string, string> { ["Kind"] = "price_move", ["AssetId"] = "btc-bitcoin", ["ThresholdPct"] = "10", ["Window"] = "01:00:00" }));
        var now = DateTimeOffset.UtcNow;
        await using (var db = database.CreateDb())
        {
            db.Assets.Add(new Asset { Id = "btc-bitcoin", Symbol = "BTC", Name = "Bitcoin", CreatedAt = now, UpdatedAt = now });
            db.AssetMappings.Add(new AssetMapping { Source = SourceNames.CoinGecko, SourceId = "bitcoin", AssetId = "btc-bitcoin", Rule = MappingRules.NewAsset, LinkedAt = now });
            // Outside the window: a much lower price that must not count.
            db.PriceHistory.Add(Point(now.AddHours(-3), 50m));
            db.PriceHistory.Add(Point(now.AddMinutes(-50), 100m));
            db.PriceHistory.Add(Point(now.AddMinutes(-10), 111m));
            await db.SaveChangesAsync();
        }

        var fired = await host.Evaluator().EvaluateAsync(default);

        Assert.Equal(1, fired.Opened);
        var details = JsonDocument.Parse(Assert.Single(await AlertHarness.AlertsAsync(database)).Details).RootElement;
        Assert.Equal(11m, details.GetProperty("move_pct").GetDecimal());
        Assert.Equal(SourceNames.CoinGecko, details.GetProperty("source").GetString());

        await using (var db = database.CreateDb())
        {
            db.PriceHistory.Add(Point(now.AddMinutes(-1), 105m));
            await db.SaveChangesAsync();
        }

        var cleared = await host.Evaluator().EvaluateAsync(default);

        Assert.Equal(1, cleared.Resolved);
        Assert.Equal(AlertStates.Resolved, Assert.Single(await AlertHarness.AlertsAsync(database)).State);

        static PricePoint Point(DateTimeOffset at, decimal price) => new()
        {
            Source = SourceNames.CoinGecko, SourceId = "bitcoin", ObservedAt = at, AssetId = "btc-bitcoin", PriceUsd = price,
        };
    }

    [Fact]
    public async Task Stale_fires_for_a_source_without_a_successful_run_for_too_long_and_resolves_after_one()
    {
        await using var host = AlertHarness.Host(database, AlertHarness.Settings(UnusedWebhook,
            new Dictionary<string, string> { ["Kind"] = "stale", ["StaleAfter"] = "01:00:00" }));
        var now = DateTimeOffset.UtcNow;
        await AlertHarness.RunAsync(database, SourceNames.Csv, EtlRunStatus.Success, now.AddHours(-3));
        await AlertHarness.RunAsync(database, SourceNames.Csv, EtlRunStatus.Failed, now.AddMinutes(-5));
        await AlertHarness.RunAsync(database, SourceNames.CoinGecko, EtlRunStatus.Success, now.AddMinutes(-5));

        var fired = await host.Evaluator().EvaluateAsync(default);

        Assert.Equal(1, fired.Opened);
        Assert.Equal(SourceNames.Csv, Assert.Single(await AlertHarness.AlertsAsync(database)).Subject);

        await AlertHarness.RunAsync(database, SourceNames.Csv, EtlRunStatus.Success, now.AddMinutes(-1));
        var cleared = await host.Evaluator().EvaluateAsync(default);

        Assert.Equal(1, cleared.Resolved);
    }

    [Fact]
    public async Task Run_failed_fires_when_a_real_run_fails_and_resolves_when_the_next_succeeds()
    {
        var folder = TestFiles.CreateFolder(("prices.csv", "symbol,name,price_usd,created_at\nBTC,Bitcoin,70000,2026-02-01T00:00:00Z\n"));
        var missing = Path.Combine(folder, "absent");
        var rule = new Dictionary<string, string> { ["Kind"] = "run_failed", ["Source"] = "csv" };

        // The runner's own hook evaluates after the run: no explicit evaluation here.
        await using (var failing = AlertHarness.Host(database, AlertHarness.Settings(UnusedWebhook, rule), missing))
        {
            var outcome = await failing.RunAsync(SourceNames.Csv);
            Assert.Equal(EtlRunStatus.Failed, outcome.Status);
        }

        var alert = Assert.Single(await AlertHarness.AlertsAsync(database));
        Assert.Equal((SourceNames.Csv, AlertStates.Open), (alert.Subject, alert.State));
        Assert.Equal("failed", JsonDocument.Parse(alert.Details).RootElement.GetProperty("status").GetString());

        await using (var working = AlertHarness.Host(database, AlertHarness.Settings(UnusedWebhook, rule), folder))
        {
            var outcome = await working.RunAsync(SourceNames.Csv);
            Assert.Equal(EtlRunStatus.Success, outcome.Status);
        }

        Assert.Equal(AlertStates.Resolved, Assert.Single(await AlertHarness.AlertsAsync(database)).State);
        Assert.Equal(["opened", "resolved"], (await AlertHarness.DeliveriesAsync(database)).Select(d => d.Event));
    }

    [Fact]
    public async Task A_refire_within_the_cooldown_is_suppressed_and_without_one_opens_a_new_alert()
    {
        await using var host = AlertHarness.Host(database, AlertHarness.Settings(null,
            new Dictionary<string, string> { ["Kind"] = "run_failed", ["Source"] = "csv", ["Cooldown"] = "01:00:00" },
            new Dictionary<string, string> { ["Kind"] = "run_failed", ["Source"] = "csv" }));
        var now = DateTimeOffset.UtcNow;

        await AlertHarness.RunAsync(database, SourceNames.Csv, EtlRunStatus.Failed, now.AddMinutes(-3));
        Assert.Equal(2, (await host.Evaluator().EvaluateAsync(default)).Opened);
        await AlertHarness.RunAsync(database, SourceNames.Csv, EtlRunStatus.Success, now.AddMinutes(-2));
        Assert.Equal(2, (await host.Evaluator().EvaluateAsync(default)).Resolved);
        await AlertHarness.RunAsync(database, SourceNames.Csv, EtlRunStatus.Partial, now.AddMinutes(-1));
        var refire = await host.Evaluator().EvaluateAsync(default);

        Assert.Equal(1, refire.Opened);
        Assert.Equal(1, refire.Suppressed);
        var alerts = await AlertHarness.AlertsAsync(database);
        await using var db = database.CreateDb();
        var withCooldown = db.AlertRules.Single(r => r.Cooldown > TimeSpan.Zero).Id;
        Assert.Single(alerts, a => a.RuleId == withCooldown);
        Assert.Equal(2, alerts.Count(a => a.RuleId != withCooldown));
        Assert.Single(alerts, a => a.State == AlertStates.Open);
    }

    [Fact]
    public async Task Configured_rules_are_synced_keeping_unchanged_rules_and_dropping_removed_ones()
    {
        var stale = new Dictionary<string, string> { ["Kind"] = "stale", ["Source"] = "coingecko", ["StaleAfter"] = "00:30:00" };
        var failed = new Dictionary<string, string> { ["Kind"] = "run_failed" };
        await AlertHarness.ApiRuleAsync(database);
        await using (var host = AlertHarness.Host(database, AlertHarness.Settings(null, stale, failed)))
        {
            await host.Evaluator().EvaluateAsync(default);
        }

        await using var db = database.CreateDb();
        var first = db.AlertRules.Where(r => r.Origin == AlertRuleOrigins.Config).OrderBy(r => r.Id).ToList();
        Assert.Equal(["stale", "run_failed"], first.Select(r => r.Kind));

        await using (var host = AlertHarness.Host(database, AlertHarness.Settings(null, stale)))
        {
            await host.Evaluator().EvaluateAsync(default);
        }

        var second = db.AlertRules.AsEnumerable().OrderBy(r => r.Id).ToList();
        Assert.Equal([(first[0].Id, "config"), (second[0].Id, "api")], second.Select(r => (r.Id, r.Origin)).OrderBy(r => r.Origin == "api").ToList());
    }

    [Theory]
    [InlineData("Kind", "bogus", "Alerts:Rules:0:Kind 'bogus' is not a rule kind")]
    [InlineData("ThresholdPct", "", "Alerts:Rules:0:ThresholdPct is required for divergence rules")]
    public void A_bad_configured_rule_stops_the_start_with_a_message_naming_it(string key, string value, string message)
    {
        var rule = new Dictionary<string, string> { ["Kind"] = "divergence", ["ThresholdPct"] = "2" };
        if (value.Length == 0)
        {
            rule.Remove(key);
        }
        else
        {
            rule[key] = value;
        }

        using var host = AlertHarness.Host(database, AlertHarness.Settings(null, rule)).AsDisposable();
        var error = Assert.Throws<OptionsValidationException>(() => host.Value.Services.GetRequiredService<IOptions<Kasparro.Ingestion.Alerts.AlertOptions>>().Value);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_webhook_url_without_a_secret_stops_the_start_naming_the_key()
    {
        var settings = AlertHarness.Settings(null);
        settings["Alerts:Webhook:Url"] = "https://hooks.example.com/kasparro";
        using var host = AlertHarness.Host(database, settings).AsDisposable();
        var error = Assert.Throws<OptionsValidationException>(() => host.Value.Services.GetRequiredService<IOptions<Kasparro.Ingestion.Alerts.AlertOptions>>().Value);
        Assert.Contains("Alerts:Webhook:Secret is required", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_evaluation_is_logged_and_never_fails_the_run()
    {
        var folder = TestFiles.CreateFolder(("prices.csv", "symbol,name,price_usd,created_at\nBTC,Bitcoin,70000,2026-02-01T00:00:00Z\n"));
        // A rule no code knows (written past the validation) makes every evaluation throw.
        await database.ExecuteAsync("INSERT INTO alert_rules (kind, cooldown, origin, created_at) VALUES ('mystery', '0', 'api', now())");
        await using var host = AlertHarness.Host(database, AlertHarness.Settings(null), folder);

        var outcome = await host.RunAsync(SourceNames.Csv);

        Assert.Equal(EtlRunStatus.Success, outcome.Status);
        Assert.Equal(1, await database.ScalarAsync<long>("SELECT count(*) FROM normalized_records"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => host.Evaluator().EvaluateAsync(default));
    }
}
