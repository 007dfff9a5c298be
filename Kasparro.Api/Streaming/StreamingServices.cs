namespace Kasparro.Api.Streaming;

/// <summary>Registers <c>GET /stream</c>'s parts: options (validated at start), the shared change feed, the connection limits.</summary>
public static class StreamingServices
{
    public static IServiceCollection AddStreaming(this IServiceCollection services)
    {
        services.AddOptions<StreamOptions>().BindConfiguration(StreamOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ChangeReader>();
        services.AddSingleton<ChangeFeed>();
        services.AddHostedService(sp => sp.GetRequiredService<ChangeFeed>());
        services.AddSingleton<StreamConnectionLimits>();
        return services;
    }
}
