using System.Collections.Concurrent;
using System.Threading.RateLimiting;

namespace Kasparro.Ingestion.Upstream;

/// <summary>
/// One client-side rate limiter per upstream, shared by everything that calls it (snapshots and backfills
/// share CoinGecko's). Requests are spaced evenly at the configured rate, so no minute ever holds more
/// than the configured number; callers queue rather than fail.
/// </summary>
public sealed class UpstreamRateLimiters : IDisposable
{
    private readonly ConcurrentDictionary<string, RateLimiter> _limiters = new(StringComparer.OrdinalIgnoreCase);

    public RateLimiter For(string upstream, int requestsPerMinute) =>
        _limiters.GetOrAdd(upstream, _ => new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = 1,
            TokensPerPeriod = 1,
            // A hair over the nominal spacing so timer jitter never squeezes N+1 requests into a minute.
            ReplenishmentPeriod = TimeSpan.FromMilliseconds(Math.Ceiling(60_000.0 / requestsPerMinute * 1.01)),
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        }));

    public void Dispose()
    {
        foreach (var limiter in _limiters.Values)
        {
            limiter.Dispose();
        }
    }
}
