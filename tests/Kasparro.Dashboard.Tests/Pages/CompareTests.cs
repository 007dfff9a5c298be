using Bunit;
using Kasparro.Dashboard.Components.Pages;
using Kasparro.Dashboard.Tests.Infrastructure;
using static Kasparro.Dashboard.Tests.Infrastructure.ApiSamples;

namespace Kasparro.Dashboard.Tests.Pages;

public sealed class CompareTests : DashboardTestContext
{
    [Fact]
    public void Lists_the_latest_price_of_every_source_with_its_divergence()
    {
        Api.Json("/assets/btc-bitcoin/history", BitcoinHistory).Json("/assets/btc-bitcoin", BitcoinDetail).Json("/divergences", Page(Divergence));

        var page = Render<Compare>(p => p.Add(x => x.AssetId, "btc-bitcoin"));

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=compare-source-row]").Count));
        var rows = page.FindAll("[data-testid=compare-source-row]");
        Assert.Equal(["coingecko", "coinpaprika"], rows.Select(r => r.GetAttribute("data-source")!));
        Assert.Contains("$83,476.00", rows[0].TextContent);
        Assert.Equal("+0.0066%", rows[0].QuerySelector("[data-testid=source-divergence]")!.TextContent);
        Assert.Equal("-0.0066%", rows[1].QuerySelector("[data-testid=source-divergence]")!.TextContent);
        Assert.Equal("usdt-tether", page.Find("[data-testid=divergence-row]").GetAttribute("data-asset"));
    }

    [Fact]
    public void Draws_divergence_over_time_only_where_two_sources_overlap()
    {
        Api.Json("/assets/btc-bitcoin/history", BitcoinHistory).Json("/assets/btc-bitcoin", BitcoinDetail).Json("/divergences", Page(Divergence));

        var page = Render<Compare>(p => p.Add(x => x.AssetId, "btc-bitcoin"));

        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-testid=divergence-chart]")));
        var series = page.FindAll("[data-testid=divergence-chart-series] [data-testid=chart-series]");
        // The 10:00 point has only CoinGecko, so each source has two comparable points.
        Assert.Equal(["2", "2"], series.Select(s => s.GetAttribute("data-points")!));
    }

    [Fact]
    public void Without_an_asset_shows_the_most_divergent_assets()
    {
        Api.Json("/divergences", Page(Divergence));

        var page = Render<Compare>();

        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=divergence-row]")));
        Assert.Empty(page.FindAll("[data-testid=compare-source-row]"));
    }

    [Fact]
    public void Shows_an_empty_state_when_no_sources_disagree()
    {
        Api.Json("/divergences", """{"data": []}""");

        var page = Render<Compare>();

        page.WaitForAssertion(() => Assert.Contains("The sources agree.", page.Find("[data-testid=empty-state]").TextContent));
    }

    [Fact]
    public void Shows_a_loading_state_while_the_API_has_not_answered()
    {
        var never = new TaskCompletionSource();
        Api.Pending("/", never.Task);

        var page = Render<Compare>(p => p.Add(x => x.AssetId, "btc-bitcoin"));

        Assert.NotEmpty(page.FindAll("[data-testid=loading-state]"));
        Assert.Empty(page.FindAll("[data-testid=compare-source-row]"));
        never.SetResult();
    }

    [Fact]
    public void Shows_a_clear_message_when_the_API_is_unreachable()
    {
        Api.Unreachable = true;

        var page = Render<Compare>(p => p.Add(x => x.AssetId, "btc-bitcoin"));

        page.WaitForAssertion(() => Assert.Equal(3, page.FindAll("[data-testid=api-error]").Count));
        Assert.All(page.FindAll("[data-testid=api-error]"), e => Assert.Contains("cannot be reached", e.TextContent));
    }
}
