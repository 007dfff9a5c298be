using System.ComponentModel.DataAnnotations;

namespace Kasparro.Api.Hosting;

/// <summary>The <c>RateLimiting</c> section: a fixed window of requests per client IP on the public endpoints.</summary>
public sealed class RateLimitingOptions
{
    public const string Section = "RateLimiting";

    [Range(1, 1_000_000)]
    public int PermitsPerWindow { get; set; } = 600;

    [Range(1, 3600)]
    public int WindowSeconds { get; set; } = 60;
}

/// <summary>The <c>Cors</c> section: origins allowed to call the API from a browser; none by default.</summary>
public sealed class CorsOptions
{
    public const string Section = "Cors";

    public string[] AllowedOrigins { get; set; } = [];
}
