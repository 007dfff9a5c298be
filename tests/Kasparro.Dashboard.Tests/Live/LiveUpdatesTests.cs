using System.Text.Json;
using Bunit;
using Kasparro.Contracts;
using Kasparro.Dashboard.Api;
using Kasparro.Dashboard.Components.Layout;
using Kasparro.Dashboard.Components.Pages;
using Kasparro.Dashboard.Components.Shared;
using Kasparro.Dashboard.Live;
using Kasparro.Dashboard.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using static Kasparro.Dashboard.Tests.Infrastructure.ApiSamples;

namespace Kasparro.Dashboard.Tests.Live;

/// <summary>
/// The dashboard's live updates: events arrive in the server's one feed (as LiveFeedReader publishes what
/// <c>GET /stream</c> sends) and the pages change in place; the indicator shows the state and pauses this tab.
/// </summary>
public sealed class LiveUpdatesTests : DashboardTestContext
{
    private static MarketRecordItem Price(string source, decimal price, string at, string assetId = "btc-bitcoin") => JsonSerializer.Deserialize<MarketRecordItem>($$"""
        {"id": "{{source}}_x", "asset_id": "{{assetId}}", "ticker": "BTC", "name": "Bitcoin", "price_usd": {{price}}, "market_cap_usd": 1700000000000,
         "volume_24h_usd": 22000000000, "percent_change_24h": 2.5, "source": "{{source}}", "created_at": "{{at}}", "ingested_at": "{{at}}"}
        """, ContractJson.Options)!;

    private static RunItem Run(long id, string status, int fetched) => JsonSerializer.Deserialize<RunItem>(ApiSamples.Run(id, status: status, fetched: fetched), ContractJson.Options)!;

    private IRenderedComponent<Prices> RenderBitcoin()
    {
        Api.Json("/assets/btc-bitcoin/history", BitcoinHistory).Json("/assets/btc-bitcoin", BitcoinDetail);
        Services.GetRequiredService<NavigationManager>().NavigateTo("/prices/btc-bitcoin?range=30d");
        var page = Render<Prices>(p => p.Add(x => x.AssetId, "btc-bitcoin"));
        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-testid=prices-chart]")));
        return page;
    }

    private static string[] PricePoints(IRenderedComponent<Prices> page) =>
        page.FindAll("[data-testid=prices-chart-series] [data-testid=chart-series]").Select(s => s.GetAttribute("data-points")!).ToArray();

    [Fact]
    public void The_indicator_shows_the_feeds_state_and_pauses_this_tab()
    {
        var indicator = Render<LiveIndicator>();
        Assert.Equal("connecting", indicator.Find("[data-testid=live-indicator]").GetAttribute("data-state"));

        Feed.SetState(LiveState.Live);
        indicator.WaitForAssertion(() => Assert.Equal("live", indicator.Find("[data-testid=live-indicator]").GetAttribute("data-state")));
        Assert.Equal("Live", indicator.Find("[data-testid=live-state]").TextContent);

        indicator.Find("[data-testid=live-pause]").Click();
        Assert.Equal("paused", indicator.Find("[data-testid=live-indicator]").GetAttribute("data-state"));
        // The feed's own state changes do not unpause the tab.
        Feed.SetState(LiveState.Reconnecting);
        Feed.SetState(LiveState.Live);
        indicator.WaitForAssertion(() => Assert.Equal("Paused", indicator.Find("[data-testid=live-state]").TextContent));

        indicator.Find("[data-testid=live-pause]").Click();
        Assert.Equal("live", indicator.Find("[data-testid=live-indicator]").GetAttribute("data-state"));
        Feed.SetState(LiveState.Reconnecting);
        indicator.WaitForAssertion(() => Assert.Equal("Reconnecting…", indicator.Find("[data-testid=live-state]").TextContent));
    }

    [Fact]
    public void A_price_of_the_asset_updates_its_card_and_extends_the_chart_in_place()
    {
        var page = RenderBitcoin();
        var requests = Api.Requests.Count;
        Assert.Equal(["3", "2"], PricePoints(page));

        Feed.Publish(Price("coingecko", 91234.5m, "2025-03-29T10:29:00Z"));
        Feed.Publish(Price("coingecko", 1m, "2025-03-29T10:29:00Z", assetId: "eth-ethereum"));

        page.WaitForAssertion(() => Assert.Contains("$91,234.50", page.Find("[data-testid=latest-price][data-source=coingecko]").TextContent));
        Assert.Contains("+2.50%", page.Find("[data-testid=latest-price][data-source=coingecko]").TextContent);
        Assert.Equal(["4", "2"], PricePoints(page));
        // No request to the API: the event carried the record.
        Assert.Equal(requests, Api.Requests.Count);

        // An older observation than the chart's last point changes the card only.
        Feed.Publish(Price("coinpaprika", 83000m, "2025-03-29T08:30:00Z"));
        page.WaitForAssertion(() => Assert.Contains("$83,000", page.Find("[data-testid=latest-price][data-source=coinpaprika]").TextContent));
        Assert.Equal(["4", "2"], PricePoints(page));
    }

    [Fact]
    public void A_chart_appends_new_points_with_extendTraces_and_redraws_changed_data_with_react()
    {
        var plotly = JSInterop.SetupModule(m => m.Arguments.Count > 0 && m.Arguments[0] is string path && path.Contains("plotly", StringComparison.OrdinalIgnoreCase));
        plotly.Mode = JSRuntimeMode.Loose;
        IReadOnlyList<ChartSeries> Series(params decimal?[] values) =>
            [new ChartSeries("coingecko", "CoinGecko", "#000", values.Select((_, i) => DashboardTestContext.Now.AddHours(i)).ToList(), values)];
        var chart = Render<CascadingValue<ChartTheme?>>(c => c
            .Add(x => x.Value, ChartTheme.Light)
            .AddChildContent<TimeSeriesChart>(p => p.Add(x => x.TestId, "c").Add(x => x.Series, Series(1, 2, 3))));
        var element = chart.Find(".js-plotly-plot, [id^=c-plot-]").Id;
        var inner = chart.FindComponent<TimeSeriesChart>();

        inner.Render(p => p.Add(x => x.Series, Series(1, 2, 3, 4)));
        inner.WaitForAssertion(() => Assert.Contains(plotly.Invocations, i => i.Identifier.Contains("extendTraces", StringComparison.OrdinalIgnoreCase)));
        Assert.DoesNotContain(plotly.Invocations, i => i.Identifier.Contains("react", StringComparison.OrdinalIgnoreCase));
        Assert.Equal("4", chart.Find("[data-testid=chart-series]").GetAttribute("data-points"));

        inner.Render(p => p.Add(x => x.Series, Series(5, 2, 3, 4)));
        inner.WaitForAssertion(() => Assert.Contains(plotly.Invocations, i => i.Identifier.Contains("react", StringComparison.OrdinalIgnoreCase)));
        // The same chart element all along: updated in place, never re-created.
        Assert.Equal(element, chart.Find("[id^=c-plot-]").Id);
    }

    [Fact]
    public void While_paused_nothing_changes_and_resuming_reads_the_page_again()
    {
        var page = RenderBitcoin();
        var live = Services.GetRequiredService<LiveUpdates>();
        live.SetPaused(true);
        var requests = Api.Requests.Count;

        Feed.Publish(Price("coingecko", 91234.5m, "2025-03-29T10:29:00Z"));
        Assert.DoesNotContain("91,234", page.Find("[data-testid=latest-price][data-source=coingecko]").TextContent);
        Assert.Equal(["3", "2"], PricePoints(page));

        page.InvokeAsync(() => live.SetPaused(false));
        page.WaitForAssertion(() => Assert.Equal(requests + 2, Api.Requests.Count));
    }

    [Fact]
    public void A_price_updates_its_row_on_the_compare_page()
    {
        Api.Json("/assets/btc-bitcoin/history", BitcoinHistory).Json("/assets/btc-bitcoin", BitcoinDetail).Json("/divergences", Page(Divergence));
        var page = Render<Compare>(p => p.Add(x => x.AssetId, "btc-bitcoin"));
        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-testid=compare-source-row][data-source=coinpaprika]")));

        Feed.Publish(Price("coinpaprika", 84100m, "2025-03-29T10:29:00Z"));

        page.WaitForAssertion(() => Assert.Contains("$84,100", page.Find("[data-testid=compare-source-row][data-source=coinpaprika]").TextContent));
    }

    [Fact]
    public void A_run_that_starts_shows_in_the_overview_and_the_freshness_cards_are_read_again()
    {
        Api.Json("/stats", Stats).Json("/assets", Page(3, Bitcoin)).Json("/data", Page(12, DataRecord)).Json("/runs", Page(ApiSamples.Run(41))).Json("/divergences", EmptyPage);
        var page = Render<Overview>();
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=runs-table-row]")));
        var statsReads = Api.Requests.Count(r => r.RequestUri!.AbsolutePath == "/stats");

        Feed.Publish(Run(42, "running", 0));
        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-testid=runs-table-row][data-run='42']")));
        page.WaitForAssertion(() => Assert.Equal(statsReads + 1, Api.Requests.Count(r => r.RequestUri!.AbsolutePath == "/stats")));
        // A batch of the same run (same status) changes the row only.
        Feed.Publish(Run(42, "running", 250));
        page.WaitForAssertion(() => Assert.Contains("250", page.Find("[data-testid=runs-table-row][data-run='42']").Closest("tr")!.TextContent));
        Assert.Equal(statsReads + 1, Api.Requests.Count(r => r.RequestUri!.AbsolutePath == "/stats"));
    }

    [Fact]
    public void Run_events_add_and_update_rows_of_the_runs_grid()
    {
        Api.Json("/runs", Page(ApiSamples.Run(41)));
        var page = Render<Runs>();
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=run-row]")));
        // The grid's page and the charts' recent runs: two reads, and no more after the events.
        page.WaitForAssertion(() => Assert.Equal(2, Api.Requests.Count));

        Feed.Publish(Run(42, "running", 250));
        page.WaitForAssertion(() => Assert.Equal("running", page.Find("[data-testid=run-row][data-run='42']").GetAttribute("data-status")));
        Feed.Publish(Run(42, "success", 500));
        page.WaitForAssertion(() => Assert.Equal("success", page.Find("[data-testid=run-row][data-run='42']").GetAttribute("data-status")));
        Assert.Equal(2, page.FindAll("[data-testid=run-row]").Count);
        Assert.Equal(2, Api.Requests.Count);
        // The charts follow the same events.
        Assert.Equal("2", page.Find("[data-testid=run-records-chart-series] [data-testid=chart-series]").GetAttribute("data-points"));
    }
}
