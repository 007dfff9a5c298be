using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Kasparro.AppHost.Tests.EndToEnd;

/// <summary>The dashboard's grids page on the API and its views are links: a reload restores them.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class DashboardUrlStateTests(EndToEndStack stack)
{
    private const string DrawnPriceTraces = "[data-testid=prices-chart] .js-plotly-plot .scatterlayer .trace";
    private const int RunsPageSize = 20;

    [Fact]
    public async Task Runs_grid_pages_through_the_API_and_the_page_survives_a_reload()
    {
        // More runs than one grid page: trigger rounds until the API holds at least two pages.
        while ((await stack.Api.RunsAsync()).Count <= RunsPageSize)
        {
            var trigger = await stack.Api.TriggerAllAsync(TimeSpan.FromMinutes(2));
            await stack.Api.WaitForFinishedRunsAsync(trigger, TimeSpan.FromMinutes(2));
        }

        var recorded = (await stack.Api.RunsAsync()).Select(r => r.Id).ToList();
        await using var context = await stack.NewContextAsync();
        var page = await DashboardPage.OpenAsync(context, "/runs", "[data-testid=runs-grid] [data-testid=run-row]");
        Assert.Equal(recorded.Take(RunsPageSize), await RunIdsAsync(page));
        Assert.Contains($"{recorded.Count}", await page.Locator("[data-testid=runs-paginator] .summary").InnerTextAsync());

        await page.Locator("[data-testid=runs-paginator] fluent-button[title='Go to next page']").ClickAsync();
        await DashboardPage.WhenUrlMatchesAsync(page, new Regex("/runs\\?page=2$"), TimeSpan.FromSeconds(30));
        await page.WaitForFunctionAsync($"() => document.querySelector('[data-testid=run-row]')?.dataset.run === '{recorded[RunsPageSize]}'");
        Assert.Equal(recorded.Skip(RunsPageSize).Take(RunsPageSize), await RunIdsAsync(page));

        await page.ReloadAsync();
        await page.Locator("[data-testid=run-row]").First.WaitForAsync();
        await DashboardPage.WhenSettledAsync(page);
        Assert.Equal(recorded.Skip(RunsPageSize).Take(RunsPageSize), await RunIdsAsync(page));
        Assert.Equal("Page 2 of " + ((recorded.Count + RunsPageSize - 1) / RunsPageSize).ToString(CultureInfo.InvariantCulture),
            (await page.Locator("[data-testid=runs-paginator] .pagination-text").InnerTextAsync()).Trim());
    }

    [Fact]
    public async Task A_deep_link_with_log_scale_is_still_log_after_a_reload_and_a_zoom_lands_in_the_URL()
    {
        var bitcoin = await stack.Api.AssetInEverySourceAsync("BTC");
        await using var context = await stack.NewContextAsync();
        var page = await DashboardPage.OpenAsync(context, $"/prices/{Uri.EscapeDataString(bitcoin)}?range=7d&scale=log", DrawnPriceTraces);
        await AssertLogScaleAsync(page);

        await page.ReloadAsync();
        await page.Locator(DrawnPriceTraces).First.WaitForAsync();
        await DashboardPage.WhenSettledAsync(page);
        await AssertLogScaleAsync(page);

        // A zoom as plotly reports a drag: a relayout with a new x range. The window lands in the URL, log scale kept.
        // Made on the drawn chart element once its zoom listener is attached (js/chart-zoom.js marks it).
        var plot = page.Locator("[data-testid=prices-chart] .js-plotly-plot[data-zoom-watched=true]");
        await plot.WaitForAsync();
        var to = DateTime.UtcNow.AddMinutes(-5);
        var from = to.AddHours(-3);
        await plot.EvaluateAsync("(plot, [from, to]) => Plotly.relayout(plot, {'xaxis.range': [from, to]})",
            new[] { from.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), to.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) });
        await DashboardPage.WhenUrlMatchesAsync(page, new Regex("range=custom"), TimeSpan.FromSeconds(15));

        var query = Uri.UnescapeDataString(new Uri(page.Url).Query);
        Assert.Contains("scale=log", query);
        Assert.Contains($"from={from:yyyy-MM-dd'T'HH:mm:ss'Z'}", query);
        Assert.Contains($"to={to:yyyy-MM-dd'T'HH:mm:ss'Z'}", query);

        // The link shows that window: the drawn x axis spans it.
        await page.ReloadAsync();
        await page.Locator(DrawnPriceTraces).First.WaitForAsync();
        await DashboardPage.WhenSettledAsync(page);
        var range = await page.EvaluateAsync<string[]>("() => document.querySelector('[data-testid=prices-chart] .js-plotly-plot').layout.xaxis.range.map(String)");
        Assert.StartsWith(from.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), range[0], StringComparison.Ordinal);
        Assert.StartsWith(to.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), range[1], StringComparison.Ordinal);
        await AssertLogScaleAsync(page);
    }

    [Fact]
    public async Task A_deep_link_with_view_candles_draws_candlesticks_and_survives_a_reload()
    {
        var bitcoin = await stack.Api.AssetInEverySourceAsync("BTC");
        await using var context = await stack.NewContextAsync();
        const string drawnCandles = "[data-testid=candles-chart] .js-plotly-plot .boxlayer .trace";
        var page = await DashboardPage.OpenAsync(context, $"/prices/{Uri.EscapeDataString(bitcoin)}?range=7d&view=candles", drawnCandles);
        await AssertCandlesDrawnAsync(page);

        await page.ReloadAsync();
        await page.Locator(drawnCandles).First.WaitForAsync();
        await DashboardPage.WhenSettledAsync(page);
        await AssertCandlesDrawnAsync(page);

        // Switching back draws the price lines and takes view=candles out of the URL.
        await page.Locator("fluent-switch[data-testid=candles-view]").ClickAsync();
        await page.Locator(DrawnPriceTraces).First.WaitForAsync();
        Assert.DoesNotContain("view=candles", page.Url, StringComparison.Ordinal);
    }

    private static async Task AssertCandlesDrawnAsync(IPage page)
    {
        Assert.Contains("checked", await page.Locator("fluent-switch[data-testid=candles-view]").GetAttributeAsync("class") ?? "");
        // plotly holds candlestick traces, each with as many candles as the page says it drew, and at least one candle.
        var traces = await page.EvaluateAsync<string[]>(
            "() => document.querySelector('[data-testid=candles-chart] .js-plotly-plot').data.map(t => t.type + ':' + t.open.length)");
        var listed = await page.Locator("[data-testid=candle-series]").EvaluateAllAsync<string[]>("items => items.filter(i => i.dataset.candles !== '0').map(i => 'candlestick:' + i.dataset.candles)");
        Assert.NotEmpty(traces);
        Assert.Equal(listed, traces);
        Assert.All(traces, t => Assert.True(int.Parse(t.Split(':')[1], CultureInfo.InvariantCulture) > 0, t));
    }

    [Fact]
    public async Task Local_time_is_a_remembered_setting_that_every_time_follows()
    {
        await using var context = await stack.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = stack.DashboardUrl.ToString(),
            ViewportSize = new ViewportSize { Width = 1400, Height = 900 },
            TimezoneId = "Asia/Tokyo",
        });
        var page = await DashboardPage.OpenAsync(context, "/runs", "[data-testid=runs-grid] [data-testid=run-row]");
        Assert.Equal("utc", await page.Locator("[data-testid=time-toggle]").GetAttributeAsync("data-time"));
        Assert.EndsWith(" UTC", await StartedOfFirstRunAsync(page), StringComparison.Ordinal);

        await page.Locator("[data-testid=time-toggle]").ClickAsync();
        await page.WaitForFunctionAsync("() => document.querySelector('[data-testid=time-toggle]').dataset.time === 'local'");
        await page.WaitForFunctionAsync("() => document.querySelector('[data-testid=runs-grid] tr:has([data-testid=run-row])').innerText.includes('UTC+09:00')");

        await page.ReloadAsync();
        await page.Locator("[data-testid=run-row]").First.WaitForAsync();
        await page.WaitForFunctionAsync("() => document.querySelector('[data-testid=time-toggle]')?.dataset.time === 'local'");
        Assert.EndsWith(" UTC+09:00", await StartedOfFirstRunAsync(page), StringComparison.Ordinal);
    }

    private static async Task<string> StartedOfFirstRunAsync(IPage page) =>
        (await page.Locator("[data-testid=runs-grid] tr:has([data-testid=run-row])").First.Locator("td").Nth(3).InnerTextAsync()).Trim();

    private static async Task AssertLogScaleAsync(IPage page)
    {
        Assert.Contains("checked", await page.Locator("fluent-switch[data-testid=log-scale]").GetAttributeAsync("class") ?? "");
        // plotly drew the price axis as a log axis.
        Assert.Equal("log", await page.EvaluateAsync<string>("() => document.querySelector('[data-testid=prices-chart] .js-plotly-plot')._fullLayout.yaxis.type"));
    }

    private static async Task<IReadOnlyList<long>> RunIdsAsync(IPage page) =>
        (await page.Locator("[data-testid=run-row]").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.run)"))
            .Select(id => long.Parse(id, CultureInfo.InvariantCulture)).ToList();
}
