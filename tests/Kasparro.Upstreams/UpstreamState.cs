using Kasparro.Upstreams.Faults;
using Kasparro.Upstreams.RateLimiting;
using Kasparro.Upstreams.Universe;

namespace Kasparro.Upstreams;

/// <summary>Everything the endpoints share: options, universe, faults, request log, limits and current drift.</summary>
internal sealed class UpstreamState
{
    private readonly Dictionary<UpstreamApi, SlidingWindowLimit> limits;
    private int drift;

    public UpstreamState(UpstreamOptions options)
    {
        Options = options;
        Universe = options.Universe ?? UpstreamUniverse.RealTop200();
        limits = options.RequestsPerMinute.ToDictionary(kv => kv.Key, kv =>
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(kv.Value, 1, nameof(UpstreamOptions.RequestsPerMinute));
            return new SlidingWindowLimit(kv.Value);
        });
        drift = (int)options.Drift;
        if (options.MarketChartGapRate is < 0 or >= 1 || double.IsNaN(options.MarketChartGapRate))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MarketChartGapRate, "MarketChartGapRate must be in [0, 1).");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(options.MarketChartMaxDays, 1, nameof(options));
    }

    public UpstreamOptions Options { get; }

    public UpstreamUniverse Universe { get; }

    public FaultPlan Faults { get; } = new();

    public RequestLog Log { get; } = new();

    public TimeProvider Clock => Options.TimeProvider;

    public SchemaDrift Drift
    {
        get => (SchemaDrift)Volatile.Read(ref drift);
        set => Volatile.Write(ref drift, (int)value);
    }

    public bool Has(SchemaDrift flag) => (Drift & flag) == flag;

    public int ViolationsOf(UpstreamApi api) => limits.TryGetValue(api, out var limit) ? limit.Violations : 0;

    /// <summary>Null when accepted (or unlimited); otherwise the wait until a request would be accepted.</summary>
    public TimeSpan? TryAcquire(UpstreamApi api) =>
        limits.TryGetValue(api, out var limit) ? limit.TryAcquire(Clock.GetUtcNow()) : null;
}
