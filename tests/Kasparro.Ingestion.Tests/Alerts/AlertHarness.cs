using Kasparro.Data;
using Kasparro.Data.Entities;
using Kasparro.Ingestion.Alerts;
using Microsoft.Extensions.DependencyInjection;

namespace Kasparro.Ingestion.Tests.Alerts;

/// <summary>The real ingestion host's alert parts against a test database, with rules and a webhook from settings.</summary>
public static class AlertHarness
{
    public const string Secret = "test-webhook-secret-5b2e";

    /// <summary>Settings for the given rules (<c>Alerts:Rules:{n}:{key}</c>) and, optionally, a webhook.</summary>
    public static Dictionary<string, string?> Settings(Uri? webhook, params Dictionary<string, string>[] rules)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Alerts:Webhook:RedeliveryDelay"] = "00:00:00.200",
            ["Alerts:Webhook:MaxRedeliveryDelay"] = "00:00:00.200",
            ["Alerts:Webhook:RetryDelay"] = "00:00:00.050",
            ["Alerts:Webhook:MaxRetries"] = "2",
            ["Alerts:Webhook:AttemptTimeout"] = "00:00:02",
        };
        if (webhook is not null)
        {
            settings["Alerts:Webhook:Url"] = webhook.ToString();
            settings["Alerts:Webhook:Secret"] = Secret;
        }

        for (var i = 0; i < rules.Length; i++)
        {
            foreach (var (key, value) in rules[i])
            {
                settings[$"Alerts:Rules:{i}:{key}"] = value;
            }
        }

        return settings;
    }

    public static IngestionHost Host(DatabaseFixture database, Dictionary<string, string?> settings, string? csvPath = null) =>
        IngestionHost.Create(database.ConnectionString, null, csvPath, settings);

    public static AlertEvaluator Evaluator(this IngestionHost host) => host.Services.GetRequiredService<AlertEvaluator>();

    public static AlertOutbox Outbox(this IngestionHost host) => host.Services.GetRequiredService<AlertOutbox>();

    public static async Task ResetAsync(DatabaseFixture database)
    {
        await database.ResetAsync();
        await database.ExecuteAsync("TRUNCATE alert_deliveries, alerts, alert_rules RESTART IDENTITY CASCADE");
    }

    public static async Task<List<Alert>> AlertsAsync(DatabaseFixture database)
    {
        await using var db = database.CreateDb();
        return [.. db.Alerts.OrderBy(a => a.Id)];
    }

    public static async Task<List<AlertDelivery>> DeliveriesAsync(DatabaseFixture database)
    {
        await using var db = database.CreateDb();
        return [.. db.AlertDeliveries.OrderBy(d => d.Id)];
    }

    /// <summary>An asset priced by two sources (latest normalized records), for divergence.</summary>
    public static async Task PriceAsync(DatabaseFixture database, string assetId, decimal paprika, decimal gecko)
    {
        await using var db = database.CreateDb();
        if (await db.Assets.FindAsync(assetId) is null)
        {
            db.Assets.Add(new Asset { Id = assetId, Symbol = "BTC", Name = "Bitcoin", CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow });
        }

        foreach (var (source, price) in new[] { (SourceNames.CoinPaprika, paprika), (SourceNames.CoinGecko, gecko) })
        {
            var existing = await db.MarketRecords.FindAsync($"{source}_{assetId}");
            if (existing is null)
            {
                db.MarketRecords.Add(ApiSeed.Record(source, assetId, "BTC", price, DateTimeOffset.UtcNow, assetId));
            }
            else
            {
                existing.PriceUsd = price;
            }
        }

        await db.SaveChangesAsync();
    }

    public static async Task RunAsync(DatabaseFixture database, string source, string status, DateTimeOffset startedAt)
    {
        await ApiSeed.AddAsync(database, ApiSeed.Run(source, status, startedAt, quarantined: status == EtlRunStatus.Partial ? 1 : 0));
    }

    /// <summary>A rule created through the API (origin api), which the config sync must leave alone.</summary>
    public static Task ApiRuleAsync(DatabaseFixture database) =>
        ApiSeed.AddAsync(database, new AlertRule { Kind = "run_failed", Source = "csv", Origin = AlertRuleOrigins.Api, CreatedAt = DateTimeOffset.UtcNow });

    /// <summary>Disposes an async-disposable synchronously, for the synchronous option-validation tests.</summary>
    public static SyncDisposable<T> AsDisposable<T>(this T value)
        where T : IAsyncDisposable => new(value);

    /// <summary>See <see cref="AsDisposable{T}"/>.</summary>
    public sealed class SyncDisposable<T>(T value) : IDisposable
        where T : IAsyncDisposable
    {
        public T Value => value;

        public void Dispose() => value.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
