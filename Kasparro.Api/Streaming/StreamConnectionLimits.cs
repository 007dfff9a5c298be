using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Kasparro.Api.Streaming;

/// <summary>
/// Counts open streams, in total (<see cref="StreamOptions.MaxClients"/>) and per client IP
/// (<see cref="StreamOptions.MaxClientsPerIp"/>), with System.Threading.RateLimiting's concurrency limiters: a lease is
/// held for as long as the stream is open.
/// </summary>
public sealed class StreamConnectionLimits : IDisposable
{
    private readonly ConcurrencyLimiter _total;
    private readonly PartitionedRateLimiter<string> _perClient;

    public StreamConnectionLimits(IOptions<StreamOptions> options)
    {
        var limits = options.Value;
        _total = new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = limits.MaxClients, QueueLimit = 0 });
        _perClient = PartitionedRateLimiter.Create<string, string>(client =>
            RateLimitPartition.GetConcurrencyLimiter(client, _ => new ConcurrencyLimiterOptions { PermitLimit = limits.MaxClientsPerIp, QueueLimit = 0 }));
    }

    /// <summary>Takes a place for one stream of <paramref name="client"/>: the leases to dispose when it ends, or the status to refuse with.</summary>
    public (IDisposable? Leases, int RefusedWith) TryOpen(string client)
    {
        var perClient = _perClient.AttemptAcquire(client);
        if (!perClient.IsAcquired)
        {
            perClient.Dispose();
            return (null, StatusCodes.Status429TooManyRequests);
        }

        var total = _total.AttemptAcquire();
        if (!total.IsAcquired)
        {
            total.Dispose();
            perClient.Dispose();
            return (null, StatusCodes.Status503ServiceUnavailable);
        }

        return (new Leases(perClient, total), 0);
    }

    public void Dispose()
    {
        _total.Dispose();
        _perClient.Dispose();
    }

    private sealed class Leases(RateLimitLease perClient, RateLimitLease total) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                total.Dispose();
                perClient.Dispose();
            }
        }
    }
}
