using Kasparro.Upstreams.Universe;

namespace Kasparro.Upstreams;

/// <summary>How a fake upstream server behaves: which universe it serves, its limits, keys and quirks.</summary>
public sealed class UpstreamOptions
{
    /// <summary>The coins served; defaults to <see cref="UpstreamUniverse.RealTop200"/>.</summary>
    public UpstreamUniverse? Universe { get; init; }

    /// <summary>Server-side rate limit per API (requests in any sliding 60 s window). Absent: unlimited.
    /// Requests over it get 429 with <c>Retry-After</c> and count as rate-limit violations.</summary>
    public Dictionary<UpstreamApi, int> RequestsPerMinute { get; init; } = [];

    /// <summary>Schema drift applied from the start (can be changed later through <see cref="UpstreamServer.Drift"/>).</summary>
    public SchemaDrift Drift { get; init; }

    /// <summary>Answer 403 to requests without a <c>User-Agent</c>, as some upstream hosts do. On by default.</summary>
    public bool RequireUserAgent { get; init; } = true;

    /// <summary>When set, a CoinGecko demo key sent on the demo path must equal it (401 otherwise).</summary>
    public string? GeckoDemoApiKey { get; init; }

    /// <summary>Refuse keyless requests on the CoinGecko demo path (off: keyless access works, as it does for real).</summary>
    public bool RequireGeckoDemoApiKey { get; init; }

    /// <summary>When set, the CoinGecko pro path accepts only this key; otherwise any non-empty pro key.</summary>
    public string? GeckoProApiKey { get; init; }

    /// <summary>When set, the CoinPaprika pro path accepts only this key; otherwise any non-empty key.</summary>
    public string? PaprikaProApiKey { get; init; }

    /// <summary>Fraction (0..1) of market-chart points left out, deterministically, to model gaps in history.</summary>
    public double MarketChartGapRate { get; init; }

    /// <summary>How far back the demo/public CoinGecko path serves market charts (the demo plan's 365 days).</summary>
    public int MarketChartMaxDays { get; init; } = 365;

    /// <summary>The clock for request timestamps and rate limiting.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
