using System.Net.Http.Headers;
using Kasparro.Data;

namespace Kasparro.Ingestion.Sources.CoinPaprika;

/// <summary>Registers CoinPaprika: its options (validated at start), its upstream client and the source.</summary>
public static class CoinPaprikaRegistration
{
    /// <summary>Adds the CoinPaprika source with everything it brings.</summary>
    public static IServiceCollection AddCoinPaprikaSource(this IServiceCollection services) =>
        services.AddMarketSource<CoinPaprikaSource, CoinPaprikaOptions, CoinPaprikaClient>(CoinPaprikaOptions.Section, SourceNames.CoinPaprika,
            options => options.RequestsPerMinute,
            (options, http) =>
            {
                http.BaseAddress = options.EffectiveBaseUrl;
                if (!string.IsNullOrEmpty(options.ApiKey))
                {
                    http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.ApiKey);
                }
            });
}
