using System.ComponentModel.DataAnnotations;

namespace Kasparro.Ingestion.Sources.CoinGecko;

/// <summary>Configuration section <c>Sources:CoinGecko</c>.</summary>
public sealed class CoinGeckoOptions
{
    public const string Section = "Sources:CoinGecko";
    public const string PublicBaseUrl = UpstreamUrls.CoinGeckoPublic;
    public const string ProBaseUrl = UpstreamUrls.CoinGeckoPro;

    public bool Enabled { get; set; } = true;

    [Url]
    public string? BaseUrl { get; set; }

    /// <summary>Demo or pro key; which header carries it follows the base URL (a secret).</summary>
    public string? ApiKey { get; set; }

    [Range(1, 250)]
    public int PerPage { get; set; } = 250;

    [Range(1, 1000)]
    public int MaxPages { get; set; } = 4;

    /// <summary>Keyless access is 5-15/min, the demo plan 30/min: configuration, never a constant.</summary>
    [Range(1, 6000)]
    public int RequestsPerMinute { get; set; } = 10;

    [Required]
    public string UserAgent { get; set; } = Upstream.UpstreamHttp.DefaultUserAgent;

    public Uri EffectiveBaseUrl => new((BaseUrl ?? PublicBaseUrl).TrimEnd('/') + "/");

    /// <summary>Pro keys go to the pro host with <c>x-cg-pro-api-key</c>; anything else is the demo header.</summary>
    public bool IsPro => EffectiveBaseUrl.Host.StartsWith("pro-api.", StringComparison.OrdinalIgnoreCase)
        || EffectiveBaseUrl.AbsolutePath.Contains("-pro/", StringComparison.OrdinalIgnoreCase);

    public string ApiKeyHeader => IsPro ? "x-cg-pro-api-key" : "x-cg-demo-api-key";
}
