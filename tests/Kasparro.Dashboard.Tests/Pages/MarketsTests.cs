using System.Net;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Kasparro.Dashboard.Components.Pages;
using Kasparro.Dashboard.Tests.Infrastructure;

namespace Kasparro.Dashboard.Tests.Pages;

public sealed class MarketsTests : DashboardTestContext
{
    private const string Comparison = """
        {"from": "2025-02-27T10:00:00Z", "to": "2025-03-29T11:00:00Z", "interval": "1h", "basis": "rebased",
         "assets": [
           {"asset_id": "btc-bitcoin", "symbol": "BTC", "name": "Bitcoin", "source": "coingecko", "base_t": "2025-02-27T10:00:00Z", "base_price_usd": 80000,
            "points": [{"t": "2025-02-27T10:00:00Z", "value": 100}, {"t": "2025-02-27T11:00:00Z", "value": 101.5}, {"t": "2025-02-27T12:00:00Z", "value": 99.25}],
            "range_return_pct": -0.75, "volatility_pct": 1.93, "max_drawdown_pct": 2.22},
           {"asset_id": "eth-ethereum", "symbol": "ETH", "name": "Ethereum", "source": "coinpaprika", "base_t": "2025-02-27T10:00:00Z", "base_price_usd": 2000,
            "points": [{"t": "2025-02-27T10:00:00Z", "value": 100}, {"t": "2025-02-27T11:00:00Z", "value": 104}],
            "range_return_pct": 4, "volatility_pct": null, "max_drawdown_pct": 0}
         ],
         "correlation": {"asset_ids": ["btc-bitcoin", "eth-ethereum"], "matrix": [[1, 0.8123], [0.8123, 1]]}}
        """;

    private IRenderedComponent<Markets> RenderAt(string uri)
    {
        Services.GetRequiredService<NavigationManager>().NavigateTo(uri);
        return Render<Markets>();
    }

    [Fact]
    public void Without_a_selection_asks_to_pick_assets_and_calls_nothing()
    {
        var page = RenderAt("/markets");

        Assert.Contains("Pick up to 8 assets", page.Find("[data-testid=empty-state]").TextContent);
        Assert.Empty(Api.Requests);
    }

    [Fact]
    public void Draws_the_rebased_lines_the_heatmap_and_the_statistics_of_the_selection_in_the_url()
    {
        Api.Json("/compare/assets", Comparison);

        var page = RenderAt("/markets?ids=btc-bitcoin,eth-ethereum&range=30d");

        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-testid=markets-chart]")));
        var request = Uri.UnescapeDataString(Api.Requests.Single().RequestUri!.PathAndQuery);
        Assert.StartsWith("/compare/assets?ids=btc-bitcoin,eth-ethereum&from=2025-02-27T10:30:00Z&to=2025-03-29T10:30:00Z", request);

        var lines = page.FindAll("[data-testid=markets-chart-series] [data-testid=chart-series]");
        Assert.Equal(["btc-bitcoin", "eth-ethereum"], lines.Select(l => l.GetAttribute("data-series")!));
        Assert.Equal(["3", "2"], lines.Select(l => l.GetAttribute("data-points")!));
        Assert.Equal(["BTC", "ETH"], lines.Select(l => l.TextContent));

        var cells = page.FindAll("[data-testid=markets-correlation-cells] [data-testid=correlation-cell]");
        Assert.Equal(["1", "0.8123", "0.8123", "1"], cells.Select(c => c.GetAttribute("data-value")!));
        Assert.Equal("BTC", cells[1].GetAttribute("data-row"));
        Assert.Equal("ETH", cells[1].GetAttribute("data-column"));

        var stats = page.Find("[data-testid=markets-stats]").TextContent;
        Assert.Contains("-0.75", stats);
        Assert.Contains("1.930", stats);
        Assert.Contains("2.22", stats);
        Assert.Contains("CoinPaprika", stats, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(["btc-bitcoin", "eth-ethereum"], page.FindAll("[data-testid=markets-selected]").Select(s => s.GetAttribute("data-asset")!));
    }

    [Fact]
    public void Removing_an_asset_is_a_deep_link_without_it_that_keeps_the_range()
    {
        Api.Json("/compare/assets", Comparison);

        var page = RenderAt("/markets?ids=btc-bitcoin,eth-ethereum&range=30d");

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=markets-remove]").Count));
        Assert.Equal("/markets?ids=eth-ethereum&range=30d", page.FindAll("[data-testid=markets-remove]")[0].GetAttribute("href"));
        Assert.Equal("/markets?range=30d", RenderAt("/markets?ids=btc-bitcoin&range=30d").WaitForElement("[data-testid=markets-remove]").GetAttribute("href"));
    }

    [Fact]
    public void The_statistics_sort_by_a_column()
    {
        Api.Json("/compare/assets", Comparison);
        var page = RenderAt("/markets?ids=btc-bitcoin,eth-ethereum&range=30d");
        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=markets-stat-row]").Count));

        // Return %: ascending puts BTC (-0.75) first, descending ETH (4).
        var returnHeader = page.FindAll("[data-testid=markets-stats] .col-sort-button").Single(b => b.TextContent.Contains("Return %"));
        returnHeader.Click();
        page.WaitForAssertion(() => Assert.Equal(["btc-bitcoin", "eth-ethereum"], page.FindAll("[data-testid=markets-stat-row]").Select(r => r.GetAttribute("data-asset")!)));
        page.FindAll("[data-testid=markets-stats] .col-sort-button").Single(b => b.TextContent.Contains("Return %")).Click();
        page.WaitForAssertion(() => Assert.Equal(["eth-ethereum", "btc-bitcoin"], page.FindAll("[data-testid=markets-stat-row]").Select(r => r.GetAttribute("data-asset")!)));
    }

    [Fact]
    public void More_than_eight_assets_compares_the_first_eight_and_says_so()
    {
        Api.Json("/compare/assets", Comparison);
        var ids = string.Join(',', Enumerable.Range(1, 10).Select(i => $"coin-{i}"));

        var page = RenderAt($"/markets?ids={ids}");

        page.WaitForAssertion(() => Assert.Contains("at most 8", page.Find("[data-testid=markets-problem]").TextContent));
        var request = Uri.UnescapeDataString(Api.Requests.Single().RequestUri!.Query);
        Assert.Contains("ids=coin-1,coin-2,coin-3,coin-4,coin-5,coin-6,coin-7,coin-8&", request);
        Assert.NotNull(page.Find("[data-testid=markets-full]"));
        Assert.Empty(page.FindAll("[data-testid=asset-picker]"));
    }

    [Fact]
    public void An_unknown_asset_shows_the_apis_message()
    {
        Api.Problem("/compare/assets", HttpStatusCode.NotFound, "Not found", "There is no asset 'nope'.");

        var page = RenderAt("/markets?ids=btc-bitcoin,nope");

        page.WaitForAssertion(() => Assert.Contains("There is no asset 'nope'.", page.Markup));
        Assert.Empty(page.FindAll("[data-testid=markets-chart]"));
    }

    [Fact]
    public void The_download_is_the_comparison_the_chart_draws()
    {
        Api.Json("/compare/assets", Comparison);

        var page = RenderAt("/markets?ids=btc-bitcoin,eth-ethereum&range=30d");

        var link = page.WaitForElement("[data-testid=markets-download]");
        var compare = Api.Requests.Single(r => r.RequestUri!.AbsolutePath == "/compare/assets");
        Assert.Equal("/download/compare/assets.csv" + compare.RequestUri!.Query, link.GetAttribute("href"));
        Assert.True(link.HasAttribute("download"));
    }
}
