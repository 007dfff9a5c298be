namespace Kasparro.Api.History;

/// <summary>Registers the history feature: its validated cache options, the cache, and the listener that empties it.</summary>
public static class HistoryServices
{
    public static IServiceCollection AddAssetHistory(this IServiceCollection services)
    {
        services.AddOptions<HistoryCacheOptions>().BindConfiguration(HistoryCacheOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<HistoryCache>();
        services.AddHostedService<HistoryChangeListener>();
        return services;
    }
}
