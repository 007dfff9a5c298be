namespace Kasparro.Upstreams;

/// <summary>The <c>Upstreams</c> configuration section read when the server runs standalone
/// (command line <c>--Upstreams:Coins=20000</c>, environment <c>Upstreams__Coins=20000</c>, ...).</summary>
public sealed class StandaloneSettings
{
    public const string Section = "Upstreams";

    /// <summary>Serve a generated universe of this many coins; unset serves the real top 200.</summary>
    public int? Coins { get; set; }

    public int Seed { get; set; } = 42;

    public int? PaprikaRequestsPerMinute { get; set; }

    public int? GeckoRequestsPerMinute { get; set; }

    public SchemaDrift Drift { get; set; }

    public bool RequireUserAgent { get; set; } = true;

    public string? GeckoDemoApiKey { get; set; }

    public string? GeckoProApiKey { get; set; }

    public string? PaprikaProApiKey { get; set; }

    public double MarketChartGapRate { get; set; }

    public Dictionary<UpstreamApi, int> RateLimits()
    {
        var limits = new Dictionary<UpstreamApi, int>();
        if (PaprikaRequestsPerMinute is { } paprika)
        {
            limits[UpstreamApi.CoinPaprika] = paprika;
        }

        if (GeckoRequestsPerMinute is { } gecko)
        {
            limits[UpstreamApi.CoinGecko] = gecko;
        }

        return limits;
    }
}
