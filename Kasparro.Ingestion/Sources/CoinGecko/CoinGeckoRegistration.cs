using Kasparro.Data;

namespace Kasparro.Ingestion.Sources.CoinGecko;

/// <summary>Registers CoinGecko: its options (validated at start), its upstream client (shared with the history backfill) and the source.</summary>
public static class CoinGeckoRegistration
{
    /// <summary>Adds the CoinGecko source with everything it brings.</summary>
    public static IServiceCollection AddCoinGeckoSource(this IServiceCollection services) =>
        services.AddMarketSource<CoinGeckoSource, CoinGeckoOptions, CoinGeckoClient>(CoinGeckoOptions.Section, SourceNames.CoinGecko,
            options => options.RequestsPerMinute,
            (options, http) =>
            {
                http.BaseAddress = options.EffectiveBaseUrl;
                http.DefaultRequestHeaders.UserAgent.Clear();
                http.DefaultRequestHeaders.UserAgent.ParseAdd(options.UserAgent);
                if (!string.IsNullOrEmpty(options.ApiKey))
                {
                    http.DefaultRequestHeaders.Add(options.ApiKeyHeader, options.ApiKey);
                }
            });
}
