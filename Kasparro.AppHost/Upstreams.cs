using Microsoft.Extensions.Configuration;

namespace Kasparro.AppHost;

/// <summary>
/// The upstream market-data APIs shown in the Aspire dashboard as external services, with the URL the ingestion service
/// calls: <c>Sources:{CoinPaprika,CoinGecko}:BaseUrl</c> when configured, else the public API the ingestion service
/// defaults to. Display only: the ingestion service reads its own configuration (forwarded <c>Sources</c> section),
/// so nothing here changes what it calls.
/// </summary>
public static class Upstreams
{
    public const string CoinPaprika = "coinpaprika-api";
    public const string CoinGecko = "coingecko-api";

    public static IResourceBuilder<ProjectResource> WithUpstreams(this IResourceBuilder<ProjectResource> ingestion, IDistributedApplicationBuilder builder)
    {
        // Run mode only: a deployment has no dashboard to show them in, and the manifest stays as it was.
        if (!builder.ExecutionContext.IsRunMode)
        {
            return ingestion;
        }

        var paprika = builder.AddExternalService(CoinPaprika, Url(builder.Configuration, "CoinPaprika",
            string.IsNullOrEmpty(builder.Configuration["Sources:CoinPaprika:ApiKey"])
                ? UpstreamUrls.CoinPaprikaFree
                : UpstreamUrls.CoinPaprikaPro));
        var gecko = builder.AddExternalService(CoinGecko, Url(builder.Configuration, "CoinGecko", UpstreamUrls.CoinGeckoPublic));
        return ingestion.WithReferenceRelationship(paprika).WithReferenceRelationship(gecko);
    }

    private static string Url(IConfiguration configuration, string source, string fallback) =>
        (configuration[$"Sources:{source}:BaseUrl"] is { Length: > 0 } configured ? configured : fallback).TrimEnd('/') + "/";
}
