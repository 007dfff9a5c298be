using Bunit;
using Kasparro.Dashboard.Api;
using Kasparro.Dashboard.Components.Shared;
using Kasparro.Dashboard.Tests.Infrastructure;
using Kasparro.Security;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Kasparro.Dashboard.Tests.Api;

/// <summary>The dashboard's source list comes from the API: a source the dashboard never heard of shows by its name and gets a colour.</summary>
public sealed class SourceCatalogTests : DashboardTestContext
{
    private const string FiveSources = """
        {"items": [
          {"source": "coinpaprika", "on_drift": "evolve", "paused": false, "display_name": "CoinPaprika", "snapshot": true},
          {"source": "coingecko", "on_drift": "evolve", "paused": false, "display_name": "CoinGecko", "snapshot": true},
          {"source": "csv", "on_drift": "evolve", "paused": false, "display_name": "CSV", "snapshot": true},
          {"source": "binance", "on_drift": "evolve", "paused": false, "display_name": "Binance", "snapshot": true},
          {"source": "coingecko-history", "on_drift": "evolve", "paused": false, "display_name": "CoinGecko history", "snapshot": false}
        ]}
        """;

    [Fact]
    public async Task Names_snapshot_sources_and_colours_follow_the_api_list()
    {
        var catalog = new SourceCatalog();

        await Client(new CannedApi().Json("/sources", FiveSources), catalog).LoadSourcesAsync();

        Assert.Equal(["coinpaprika", "coingecko", "csv", "binance", "coingecko-history"], catalog.All);
        Assert.Equal(["coinpaprika", "coingecko", "csv", "binance"], catalog.Snapshot);
        Assert.Equal("Binance", catalog.DisplayName("binance"));
        Assert.Equal(ChartTheme.SourcePalette[3], catalog.Colour("binance"));
        Assert.Equal(ChartTheme.SourcePalette[0], catalog.Colour("coinpaprika"));
        Assert.Equal(catalog.All.Count, catalog.All.Select(catalog.Colour).Distinct().Count());
        Assert.Equal(("kraken", ChartTheme.UnlistedSourceColour), (catalog.DisplayName("kraken"), catalog.Colour("kraken")));
    }

    [Fact]
    public async Task While_the_api_cannot_answer_sources_show_under_their_tags_and_a_later_read_fills_the_list()
    {
        var catalog = new SourceCatalog();
        var api = new CannedApi { Unreachable = true }.Json("/sources", FiveSources);
        var client = Client(api, catalog);

        await client.LoadSourcesAsync();
        Assert.False(catalog.IsLoaded);
        Assert.Equal("binance", catalog.DisplayName("binance"));

        api.Unreachable = false;
        await client.LoadSourcesAsync();
        Assert.Equal("Binance", catalog.DisplayName("binance"));
    }

    [Fact]
    public async Task Run_now_offers_every_snapshot_source_the_api_lists()
    {
        var list = await Client(new CannedApi().Json("/sources", FiveSources), new SourceCatalog()).GetSourcesAsync();
        Sources.Use(list.Value!.Items);

        var panel = Render<RunNowPanel>();

        var options = panel.FindAll("fluent-option").Select(o => o.TextContent.Trim()).ToList();
        Assert.Equal(["All snapshot sources", "CoinPaprika", "CoinGecko", "CSV", "Binance"], options);
    }

    private static KasparroApiClient Client(CannedApi api, SourceCatalog catalog) =>
        new(new HttpClient(api) { BaseAddress = new Uri("http://api.test/") }, Options.Create(new KasparroApiOptions()),
            Options.Create(new SchedulerTokenOptions()), NullLogger<KasparroApiClient>.Instance, sources: catalog);
}
