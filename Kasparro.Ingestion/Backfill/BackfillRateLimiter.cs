using System.Threading.RateLimiting;
using Kasparro.Ingestion.Options;
using Kasparro.Ingestion.Sources.CoinGecko;
using Microsoft.Extensions.Options;

namespace Kasparro.Ingestion.Backfill;

/// <summary>
/// The backfill's own budget, stacked on the CoinGecko limiter every request already goes through: a backfill
/// takes one token here before each market chart, so it never asks for more than <see cref="HistoryBackfillOptions.ShareOfRate"/>
/// of the configured rate, and since it has one request in flight at a time the snapshots queue behind at most one
/// of its requests on the shared limiter.
/// </summary>
public sealed class BackfillRateLimiter : IDisposable
{
    private readonly TokenBucketRateLimiter _limiter;

    public BackfillRateLimiter(IOptions<CoinGeckoOptions> gecko, IOptions<HistoryBackfillOptions> backfill)
    {
        RequestsPerMinute = Math.Max(1, (int)Math.Floor(gecko.Value.RequestsPerMinute * backfill.Value.ShareOfRate));
        _limiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = 1,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromMilliseconds(Math.Ceiling(60_000.0 / RequestsPerMinute)),
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
    }

    /// <summary>The backfill's share of the CoinGecko rate, in requests per minute.</summary>
    public int RequestsPerMinute { get; }

    /// <summary>Waits for the backfill's next turn.</summary>
    public async ValueTask WaitTurnAsync(CancellationToken cancellationToken)
    {
        using var lease = await _limiter.AcquireAsync(1, cancellationToken);
    }

    public void Dispose() => _limiter.Dispose();
}
