using Kasparro.Data;
using Kasparro.Data.Entities;

namespace Kasparro.Testing;

/// <summary>Known rows for API tests, written through <see cref="KasparroDb"/>.</summary>
public static class ApiSeed
{
    public static readonly DateTimeOffset T0 = new(2025, 3, 29, 10, 0, 0, TimeSpan.Zero);

    public static MarketRecord Record(string source, string sourceId, string ticker, decimal price, DateTimeOffset createdAt, string? assetId = null) => new()
    {
        Id = $"{source}_{sourceId}",
        Source = source,
        SourceId = sourceId,
        AssetId = assetId,
        Ticker = ticker,
        Name = ticker + " coin",
        PriceUsd = price,
        MarketCapUsd = price * 1000,
        Volume24hUsd = price * 10,
        PercentChange24h = -1.5m,
        CreatedAt = createdAt,
        IngestedAt = createdAt.AddSeconds(5),
    };

    public static EtlRun Run(string source, string status, DateTimeOffset startedAt, int fetched = 100, long? durationMs = 1000, int quarantined = 0, string trigger = "schedule") => new()
    {
        Source = source,
        Status = status,
        Trigger = trigger,
        StartedAt = startedAt,
        FinishedAt = status == EtlRunStatus.Running ? null : startedAt.AddMilliseconds(durationMs ?? 0),
        DurationMs = status == EtlRunStatus.Running ? null : durationMs,
        Fetched = fetched,
        Inserted = fetched - quarantined,
        Quarantined = quarantined,
        Requests = 2,
        Retries = 1,
        Worker = "test-host",
    };

    public static async Task AddAsync(DatabaseFixture database, params object[] entities)
    {
        await using var db = database.CreateDb();
        db.AddRange(entities);
        await db.SaveChangesAsync();
    }
}
