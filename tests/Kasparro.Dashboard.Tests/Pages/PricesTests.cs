using System.Net;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Kasparro.Dashboard.Components.Pages;
using Kasparro.Dashboard.Tests.Infrastructure;
using static Kasparro.Dashboard.Tests.Infrastructure.ApiSamples;

namespace Kasparro.Dashboard.Tests.Pages;

public sealed class PricesTests : DashboardTestContext
{
    private IRenderedComponent<Prices> RenderBitcoin(string range = "30d")
    {
        // The range travels in the URL, as in a deep link: /prices/btc-bitcoin?range=30d
        Services.GetRequiredService<NavigationManager>().NavigateTo($"/prices/btc-bitcoin?range={range}");
        return Render<Prices>(p => p.Add(x => x.AssetId, "btc-bitcoin"));
    }

    [Fact]
    public void Without_an_asset_asks_to_pick_one_and_calls_nothing()
    {
        var page = Render<Prices>();

        Assert.Contains("Pick an asset", page.Find("[data-testid=empty-state]").TextContent);
        Assert.Empty(Api.Requests);
    }

    [Fact]
    public void Shows_a_loading_state_while_the_history_loads()
    {
        var never = new TaskCompletionSource();
        Api.Json("/assets/btc-bitcoin", BitcoinDetail).Pending("/assets/btc-bitcoin/history", never.Task);

        var page = RenderBitcoin();

        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-testid=loading-state]")));
        Assert.Empty(page.FindAll("[data-testid=prices-chart]"));
        never.SetResult();
    }

    [Fact]
    public void Draws_one_price_line_per_source_for_the_range_in_the_url()
    {
        Api.Json("/assets/btc-bitcoin/history", BitcoinHistory).Json("/assets/btc-bitcoin", BitcoinDetail);

        var page = RenderBitcoin("30d");

        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-testid=prices-chart]")));
        var series = page.FindAll("[data-testid=prices-chart-series] [data-testid=chart-series]");
        Assert.Equal(["coingecko", "coinpaprika"], series.Select(s => s.GetAttribute("data-series")!));
        Assert.Equal(["3", "2"], series.Select(s => s.GetAttribute("data-points")!));
        // Volume and market cap read from the contract's "volume_24h_usd" and "market_cap_usd".
        Assert.Equal(["3", "2"], page.FindAll("[data-testid=volume-chart-series] [data-testid=chart-series]").Select(s => s.GetAttribute("data-points")!));
        Assert.Equal(["3", "2"], page.FindAll("[data-testid=market-cap-chart-series] [data-testid=chart-series]").Select(s => s.GetAttribute("data-points")!));
        Assert.Contains("-1.99%", page.Find("[data-testid=latest-price][data-source=coingecko]").TextContent);
        Assert.Equal("true", page.Find("[data-testid=range-30d]").GetAttribute("aria-pressed"));
        Assert.Equal(2, page.FindAll("[data-testid=latest-price]").Count);
        // 30 days back from the fixed clock.
        var history = Api.Requests.Single(r => r.RequestUri!.AbsolutePath.EndsWith("/history", StringComparison.Ordinal));
        var query = Uri.UnescapeDataString(history.RequestUri!.Query);
        Assert.Contains("from=2025-02-27T10:30:00Z", query);
        Assert.Contains("to=2025-03-29T10:30:00Z", query);
    }

    [Fact]
    public void An_unknown_range_falls_back_to_seven_days_and_says_so()
    {
        Api.Json("/assets/btc-bitcoin/history", BitcoinHistory).Json("/assets/btc-bitcoin", BitcoinDetail);

        var page = RenderBitcoin("forever");

        page.WaitForAssertion(() => Assert.Contains("not a range", page.Find("[data-testid=range-problem]").TextContent));
        Assert.Equal("true", page.Find("[data-testid=range-7d]").GetAttribute("aria-pressed"));
    }

    [Fact]
    public void Shows_an_empty_state_when_the_range_has_no_prices()
    {
        Api.Json("/assets/btc-bitcoin/history", EmptyHistory).Json("/assets/btc-bitcoin", BitcoinDetail);

        var page = RenderBitcoin("24h");

        page.WaitForAssertion(() => Assert.Contains("No prices in this range.", page.Find("[data-testid=empty-state]").TextContent));
        Assert.Empty(page.FindAll("[data-testid=prices-chart]"));
    }

    [Fact]
    public void An_unknown_asset_gets_one_clear_message()
    {
        Api.Problem("/assets/doge-nope", HttpStatusCode.NotFound, "Not Found");

        var page = Render<Prices>(p => p.Add(x => x.AssetId, "doge-nope"));

        page.WaitForAssertion(() => Assert.Contains("There is no asset “doge-nope”", page.Find("[data-testid=api-error]").TextContent));
        Assert.Single(page.FindAll("[data-testid=api-error]"));
    }

    [Fact]
    public void Shows_a_clear_message_when_the_API_is_unreachable()
    {
        Api.Unreachable = true;

        var page = RenderBitcoin();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=api-error]").Count));
        Assert.All(page.FindAll("[data-testid=api-error]"), e => Assert.Contains("cannot be reached", e.TextContent));
    }

    [Fact]
    public void Searching_lists_matching_assets_linking_to_their_deep_link()
    {
        Api.Json("/assets?q=eth", Page(Ethereum));
        var page = Render<Prices>();

        page.Find("[data-testid=asset-picker] fluent-text-field").Input("eth");
        page.WaitForAssertion(() => Assert.Equal("eth-ethereum", page.Find("[data-testid=asset-result]").GetAttribute("data-asset")));
        page.Find("fluent-option").Click();

        Assert.EndsWith("/prices/eth-ethereum?range=7d", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal);
    }
}
