using Microsoft.Extensions.Configuration;

namespace Kasparro.AppHost;

/// <summary>Passes AppHost configuration sections through to a service, so one place configures the stack.</summary>
public static class ConfigurationForwarding
{
    /// <summary>
    /// Sets every value under the named sections (e.g. <c>Sources:CoinGecko:BaseUrl</c>) as the service's
    /// environment variable (<c>Sources__CoinGecko__BaseUrl</c>). Secrets belong in parameters, not here.
    /// </summary>
    public static IResourceBuilder<T> WithConfigurationSections<T>(this IResourceBuilder<T> resource, IConfiguration configuration, params string[] sections)
        where T : IResourceWithEnvironment
    {
        foreach (var section in sections)
        {
            foreach (var (key, value) in configuration.GetSection(section).AsEnumerable())
            {
                if (value is not null)
                {
                    resource.WithEnvironment(key.Replace(":", "__", StringComparison.Ordinal), value);
                }
            }
        }

        return resource;
    }
}
