using System.ComponentModel.DataAnnotations;

namespace Kasparro.Ingestion.Sources.CoinPaprika;

/// <summary>Configuration section <c>Sources:CoinPaprika</c>.</summary>
public sealed class CoinPaprikaOptions
{
    public const string Section = "Sources:CoinPaprika";
    public const string FreeBaseUrl = UpstreamUrls.CoinPaprikaFree;
    public const string ProBaseUrl = UpstreamUrls.CoinPaprikaPro;

    public bool Enabled { get; set; } = true;

    /// <summary>Defaults to the free API, or the pro API when <see cref="ApiKey"/> is set.</summary>
    [Url]
    public string? BaseUrl { get; set; }

    /// <summary>Pro key, sent as <c>Authorization: Bearer</c>; a secret (user-secrets or environment).</summary>
    public string? ApiKey { get; set; }

    [Range(1, 6000)]
    public int RequestsPerMinute { get; set; } = 10;

    public Uri EffectiveBaseUrl => new((BaseUrl ?? (string.IsNullOrEmpty(ApiKey) ? FreeBaseUrl : ProBaseUrl)).TrimEnd('/') + "/");
}
