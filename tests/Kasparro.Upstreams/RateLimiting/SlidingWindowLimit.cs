namespace Kasparro.Upstreams.RateLimiting;

/// <summary>An exact sliding-window limit: at most N accepted requests in any 60 s. Rejected requests do not
/// count, so a client that waits out <c>Retry-After</c> always gets through.</summary>
internal sealed class SlidingWindowLimit(int requestsPerMinute)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly Lock gate = new();
    private readonly Queue<DateTimeOffset> accepted = new();
    private int violations;

    public int Violations => Volatile.Read(ref violations);

    /// <summary>Accepts the request, or returns how long until it would have been accepted.</summary>
    public TimeSpan? TryAcquire(DateTimeOffset now)
    {
        lock (gate)
        {
            while (accepted.Count > 0 && accepted.Peek() <= now - Window)
            {
                accepted.Dequeue();
            }

            if (accepted.Count < requestsPerMinute)
            {
                accepted.Enqueue(now);
                return null;
            }

            violations++;
            return accepted.Peek() + Window - now;
        }
    }
}
