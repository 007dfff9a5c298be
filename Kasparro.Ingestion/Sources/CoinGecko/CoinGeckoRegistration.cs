using Kasparro.Data;
using Kasparro.Ingestion.Upstream;
using Microsoft.Extensions.Options;

namespace Kasparro.Ingestion.Sources.CoinGecko;

/// <summary>Registers CoinGecko: its options (validated at start), its upstream client (shared with the history backfill) and the source.</summary>
public static class CoinGeckoRegistration
{
    /// <summary>Adds the CoinGecko source with everything it brings.</summary>
    public static IServiceCollection AddCoinGeckoSource(this IServiceCollection services)
    {
        services.AddOptions<CoinGeckoOptions>().BindConfiguration(CoinGeckoOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddUpstreamClient<CoinGeckoClient>(SourceNames.CoinGecko,
            sp => sp.GetRequiredService<IOptions<CoinGeckoOptions>>().Value.RequestsPerMinute,
            (sp, http) =>
            {
                var options = sp.GetRequiredService<IOptions<CoinGeckoOptions>>().Value;
                http.BaseAddress = options.EffectiveBaseUrl;
                http.DefaultRequestHeaders.UserAgent.Clear();
                http.DefaultRequestHeaders.UserAgent.ParseAdd(options.UserAgent);
                if (!string.IsNullOrEmpty(options.ApiKey))
                {
                    http.DefaultRequestHeaders.Add(options.ApiKeyHeader, options.ApiKey);
                }
            });
        services.AddTransient<IMarketSource, CoinGeckoSource>();
        return services;
    }
}
