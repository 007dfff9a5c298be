using Microsoft.Playwright;

namespace Kasparro.AppHost.Tests.EndToEnd;

/// <summary>The Markets page and a "Download CSV" link in headless Chromium against the whole running stack.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class MarketsAndDownloadsTests(EndToEndStack stack)
{
    [Fact]
    public async Task Markets_page_draws_the_rebased_lines_the_heatmap_and_the_statistics()
    {
        var bitcoin = await stack.Api.AssetInEverySourceAsync("BTC");
        var ethereum = await stack.Api.AssetInEverySourceAsync("ETH");
        await using var context = await stack.NewContextAsync();
        var page = await DashboardPage.OpenAsync(context, $"/markets?ids={Uri.EscapeDataString(bitcoin)},{Uri.EscapeDataString(ethereum)}&range=24h",
            "[data-testid=markets-chart] .js-plotly-plot .scatterlayer .trace");

        // Plotly drew a line per asset and the heatmap (from its full bundle) beside them.
        Assert.Equal(2, await page.Locator("[data-testid=markets-chart] .js-plotly-plot .scatterlayer .trace").CountAsync());
        await page.Locator("[data-testid=markets-correlation] .js-plotly-plot .heatmaplayer .hm").First.WaitForAsync();
        var cells = await page.Locator("[data-testid=correlation-cell]").EvaluateAllAsync<string[]>("cells => cells.map(c => c.dataset.value)");
        Assert.Equal(4, cells.Length);
        Assert.Equal("1", cells[0]);
        Assert.Equal([bitcoin, ethereum], await page.Locator("[data-testid=markets-stat-row]").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.asset)"));
        Assert.Equal([bitcoin, ethereum], await page.Locator("[data-testid=markets-selected]").EvaluateAllAsync<string[]>("chips => chips.map(c => c.dataset.asset)"));
        await DashboardPage.ScreenshotAsync(page, "markets");
    }

    [Fact]
    public async Task Download_csv_on_the_runs_page_saves_the_runs_it_shows()
    {
        await using var context = await stack.NewContextAsync();
        var page = await DashboardPage.OpenAsync(context, "/runs", "[data-testid=runs-grid] [data-testid=run-row]");

        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("[data-testid=runs-download]").ClickAsync());

        Assert.Equal("runs.csv", download.SuggestedFilename);
        using var parser = new Microsoft.VisualBasic.FileIO.TextFieldParser((await download.PathAsync())!) { HasFieldsEnclosedInQuotes = true };
        parser.SetDelimiters(",");
        var header = parser.ReadFields()!;
        Assert.Equal(["id", "source", "status", "trigger", "trigger_id", "started_at", "finished_at", "duration_ms", "fetched"], header.Take(9));
        var ids = new List<long>();
        while (parser.ReadFields() is { } fields)
        {
            ids.Add(long.Parse(fields[0], System.Globalization.CultureInfo.InvariantCulture));
        }

        // The grid's query (the 200 most recent runs, newest first) is the file's.
        Assert.Equal((await stack.Api.RunsAsync()).Select(r => r.Id), ids);
    }
}
