using Kasparro.Data;
using Kasparro.Data.Entities;
using Kasparro.Ingestion.Backfill;
using Kasparro.Upstreams;
using Kasparro.Upstreams.Universe;
using Microsoft.Extensions.DependencyInjection;

namespace Kasparro.Ingestion.Tests.Backfill;

/// <summary>
/// The fixture CoinGecko (its clock set to the present, so market charts end "now") and the real ingestion
/// pipeline on a test database: take a snapshot to list the assets, then backfill as <c>--backfill</c> does.
/// </summary>
public static class BackfillHarness
{
    /// <summary>A universe whose "now" is the real present, truncated to the second (the same for every server made with it).</summary>
    public static DateTimeOffset Now { get; } = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());

    public static Task<UpstreamServer> StartUpstreamAsync(double gapRate = 0, Dictionary<UpstreamApi, int>? limits = null) =>
        UpstreamServer.StartAsync(new UpstreamOptions
        {
            Universe = UpstreamUniverse.RealTop200(Now),
            MarketChartGapRate = gapRate,
            RequestsPerMinute = limits ?? [],
        });

    public static IngestionHost CreateHost(DatabaseFixture database, UpstreamServer upstream, IDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?> { ["Backfill:ShareOfRate"] = "1" };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        return IngestionHost.Create(database.ConnectionString, upstream, settings: all);
    }

    public static Task<BackfillOutcome> BackfillAsync(this IngestionHost host, int days, int top = 100, params string[] assets) =>
        host.Services.GetRequiredService<BackfillRunner>().RunAsync(new BackfillRequest(days, top, assets), "test", null, CancellationToken.None);

    public static async Task SnapshotAsync(this IngestionHost host)
    {
        var outcome = await host.RunAsync(SourceNames.CoinGecko);
        Assert.Equal(EtlRunStatus.Success, outcome.Status);
    }

    public static int MarketChartRequests(this UpstreamServer upstream) =>
        upstream.Requests.Count(r => r.Route == UpstreamRoute.GeckoMarketChart);
}
