using Kasparro.Ingestion.Upstream;
using Microsoft.Extensions.Options;

namespace Kasparro.Ingestion.Sources;

/// <summary>What every source's <c>AddXxxSource()</c> does: bind and validate its options section, register its reader and, for an HTTP upstream, its client.</summary>
public static class SourceRegistration
{
    /// <summary>Registers the reader with its options (section <paramref name="section"/>, validated at start).</summary>
    public static IServiceCollection AddMarketSource<TSource, TOptions>(this IServiceCollection services, string section)
        where TSource : class, IMarketSource
        where TOptions : class
    {
        services.AddOptions<TOptions>().BindConfiguration(section).ValidateDataAnnotations().ValidateOnStart();
        services.AddTransient<IMarketSource, TSource>();
        return services;
    }

    /// <summary>Registers the reader with its options and its upstream client (rate limit and HTTP set-up from the options).</summary>
    public static IServiceCollection AddMarketSource<TSource, TOptions, TClient>(this IServiceCollection services, string section, string upstream,
        Func<TOptions, int> requestsPerMinute, Action<TOptions, HttpClient> configure)
        where TSource : class, IMarketSource
        where TOptions : class
        where TClient : class
    {
        services.AddMarketSource<TSource, TOptions>(section);
        services.AddUpstreamClient<TClient>(upstream,
            sp => requestsPerMinute(sp.GetRequiredService<IOptions<TOptions>>().Value),
            (sp, http) => configure(sp.GetRequiredService<IOptions<TOptions>>().Value, http));
        return services;
    }
}
