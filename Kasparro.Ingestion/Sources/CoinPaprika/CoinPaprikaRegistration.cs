using Kasparro.Data;
using Kasparro.Ingestion.Upstream;
using Microsoft.Extensions.Options;

namespace Kasparro.Ingestion.Sources.CoinPaprika;

/// <summary>Registers CoinPaprika: its options (validated at start), its upstream client and the source.</summary>
public static class CoinPaprikaRegistration
{
    /// <summary>Adds the CoinPaprika source with everything it brings.</summary>
    public static IServiceCollection AddCoinPaprikaSource(this IServiceCollection services)
    {
        services.AddOptions<CoinPaprikaOptions>().BindConfiguration(CoinPaprikaOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddUpstreamClient<CoinPaprikaClient>(SourceNames.CoinPaprika,
            sp => sp.GetRequiredService<IOptions<CoinPaprikaOptions>>().Value.RequestsPerMinute,
            (sp, http) =>
            {
                var options = sp.GetRequiredService<IOptions<CoinPaprikaOptions>>().Value;
                http.BaseAddress = options.EffectiveBaseUrl;
                if (!string.IsNullOrEmpty(options.ApiKey))
                {
                    http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", options.ApiKey);
                }
            });
        services.AddTransient<IMarketSource, CoinPaprikaSource>();
        return services;
    }
}
