using System.Text.Json;
using Bunit;
using Kasparro.Dashboard.Components.Pages;
using Kasparro.Dashboard.Components.Shared;
using Kasparro.Dashboard.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using static Kasparro.Dashboard.Tests.Infrastructure.ApiSamples;

namespace Kasparro.Dashboard.Tests.Pages;

/// <summary>The Prices page's log scale and zoom live in the URL: a reload or a shared link shows the same view.</summary>
public sealed class PricesUrlStateTests : DashboardTestContext
{
    private NavigationManager Navigation => Services.GetRequiredService<NavigationManager>();

    private IRenderedComponent<Prices> RenderBitcoin(string query, string drawn = "prices-chart")
    {
        Api.Json("/assets/btc-bitcoin/history", BitcoinHistory).Json("/assets/btc-bitcoin/candles", BitcoinCandles).Json("/assets/btc-bitcoin", BitcoinDetail);
        Navigation.NavigateTo($"/prices/btc-bitcoin?{query}");
        var page = Render<Prices>(p => p.Add(x => x.AssetId, "btc-bitcoin"));
        page.WaitForAssertion(() => Assert.NotNull(page.Find($"[data-testid={drawn}]")));
        return page;
    }

    [Fact]
    public void A_link_with_view_candles_draws_each_source_s_candles_from_the_candles_endpoint()
    {
        var page = RenderBitcoin("range=30d&view=candles", drawn: "candles-chart");

        Assert.Contains("checked", page.Find("fluent-switch[data-testid=candles-view]").ClassList);
        Assert.Empty(page.FindAll("[data-testid=prices-chart]"));
        var candles = page.FindComponent<CandlestickChart>().Instance.Series;
        Assert.Equal([("coingecko", 3), ("coinpaprika", 1)], candles.Select(s => (s.Source, s.Candles.Count)));
        Assert.Equal(82900.5m, candles[0].Candles[0].Low);
        Assert.Equal(["3", "1"], page.FindAll("[data-testid=candle-series]").Select(li => li.GetAttribute("data-candles")));
        var request = Api.Requests.Single(r => r.RequestUri!.AbsolutePath.EndsWith("/candles", StringComparison.Ordinal));
        Assert.Contains("interval=1h", request.RequestUri!.Query);
    }

    [Fact]
    public void Switching_to_candles_writes_view_candles_to_the_URL_and_back()
    {
        var page = RenderBitcoin("range=30d&scale=log");
        Assert.DoesNotContain(Api.Requests, r => r.RequestUri!.AbsolutePath.EndsWith("/candles", StringComparison.Ordinal));

        page.Find("fluent-switch[data-testid=candles-view]").TriggerEvent("onswitchcheckedchange", new Microsoft.FluentUI.AspNetCore.Components.CheckboxChangeEventArgs { Checked = true });

        Assert.EndsWith("/prices/btc-bitcoin?range=30d&scale=log&view=candles", Navigation.Uri, StringComparison.Ordinal);
        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-testid=candles-chart]")));
        Assert.True(page.FindComponent<CandlestickChart>().Instance.LogScale);

        page.Find("fluent-switch[data-testid=candles-view]").TriggerEvent("onswitchcheckedchange", new Microsoft.FluentUI.AspNetCore.Components.CheckboxChangeEventArgs { Checked = false });

        Assert.EndsWith("/prices/btc-bitcoin?range=30d&scale=log", Navigation.Uri, StringComparison.Ordinal);
        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-testid=prices-chart]")));
    }

    [Fact]
    public void A_link_with_scale_log_shows_the_log_scale_on()
    {
        var page = RenderBitcoin("range=30d&scale=log");

        Assert.Contains("checked", page.Find("fluent-switch[data-testid=log-scale]").ClassList);
        Assert.True(page.FindComponents<TimeSeriesChart>().Single(c => c.Instance.TestId == "prices-chart").Instance.LogScale);
    }

    [Fact]
    public void Switching_the_log_scale_writes_it_to_the_URL()
    {
        var page = RenderBitcoin("range=30d");
        Assert.DoesNotContain("checked", page.Find("fluent-switch[data-testid=log-scale]").ClassList);

        page.Find("fluent-switch[data-testid=log-scale]").TriggerEvent("onswitchcheckedchange", new Microsoft.FluentUI.AspNetCore.Components.CheckboxChangeEventArgs { Checked = true });

        Assert.EndsWith("/prices/btc-bitcoin?range=30d&scale=log", Navigation.Uri, StringComparison.Ordinal);
        page.WaitForAssertion(() => Assert.True(page.FindComponents<TimeSeriesChart>().Single(c => c.Instance.TestId == "prices-chart").Instance.LogScale));
    }

    [Fact]
    public void Picking_another_range_keeps_the_log_scale()
    {
        var page = RenderBitcoin("range=30d&scale=log");

        page.Find("[data-testid=range-7d]").Click();

        Assert.EndsWith("/prices/btc-bitcoin?range=7d&scale=log", Navigation.Uri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Zooming_a_chart_writes_the_window_to_the_URL_and_loads_it()
    {
        var page = RenderBitcoin("range=30d&scale=log");
        var chart = page.FindComponents<TimeSeriesChart>().Single(c => c.Instance.TestId == "prices-chart");

        await page.InvokeAsync(() => chart.Instance.OnZoom.InvokeAsync(new ChartWindow(
            new DateTimeOffset(2025, 3, 29, 8, 15, 0, TimeSpan.Zero), new DateTimeOffset(2025, 3, 29, 9, 45, 30, TimeSpan.Zero))));

        Assert.EndsWith("/prices/btc-bitcoin?range=custom&scale=log&from=2025-03-29T08:15:00Z&to=2025-03-29T09:45:30Z", Uri.UnescapeDataString(Navigation.Uri), StringComparison.Ordinal);
    }

    [Fact]
    public void A_link_with_a_zoomed_window_loads_and_shows_exactly_that_window()
    {
        var page = RenderBitcoin("range=custom&from=2025-03-29T08:15:00Z&to=2025-03-29T09:45:30Z");

        var history = Api.Requests.Single(r => r.RequestUri!.AbsolutePath.EndsWith("/history", StringComparison.Ordinal));
        var query = Uri.UnescapeDataString(history.RequestUri!.Query);
        Assert.Contains("from=2025-03-29T08:15:00Z", query);
        Assert.Contains("to=2025-03-29T09:45:30Z", query);
        var window = page.FindComponents<TimeSeriesChart>().Single(c => c.Instance.TestId == "prices-chart").Instance.Window;
        Assert.Equal(new ChartWindow(new DateTimeOffset(2025, 3, 29, 8, 15, 0, TimeSpan.Zero), new DateTimeOffset(2025, 3, 29, 9, 45, 30, TimeSpan.Zero)), window);
    }

    [Fact]
    public void A_plotly_zoom_range_reads_as_a_UTC_window_and_an_autorange_as_none()
    {
        Assert.Equal(new ChartWindow(new DateTimeOffset(2025, 3, 29, 8, 15, 0, 500, TimeSpan.Zero), new DateTimeOffset(2025, 3, 29, 9, 45, 0, TimeSpan.Zero)),
            ChartWindow.FromPlotly("2025-03-29 08:15:00.5", "2025-03-29 09:45", DisplayTime.Utc));
        Assert.Null(ChartWindow.FromPlotly(null, null, DisplayTime.Utc));
        Assert.Null(ChartWindow.FromPlotly("2025-03-29 09:45", "2025-03-29 08:15", DisplayTime.Utc));
    }
}
