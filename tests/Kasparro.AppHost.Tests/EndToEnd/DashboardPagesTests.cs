using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;

namespace Kasparro.AppHost.Tests.EndToEnd;

/// <summary>The dashboard in headless Chromium against the whole running stack and the data it ingested.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class DashboardPagesTests(EndToEndStack stack)
{
    private const string DrawnPriceTraces = "[data-testid=prices-chart] .js-plotly-plot .scatterlayer .trace";

    [Fact]
    public async Task Prices_chart_draws_a_line_with_points_for_each_source()
    {
        var bitcoin = await stack.Api.AssetInEverySourceAsync("BTC");
        await using var context = await stack.NewContextAsync();
        var page = await DashboardPage.OpenAsync(context, $"/prices/{Uri.EscapeDataString(bitcoin)}", DrawnPriceTraces);

        var series = (await page.Locator("[data-testid=prices-chart-series] [data-testid=chart-series]").EvaluateAllAsync<JsonElement>(
            "items => items.map(i => [i.dataset.series, i.textContent.trim(), i.dataset.points])"))
            .EnumerateArray().Select(i => new SeriesInDom(i[0].GetString()!, i[1].GetString()!, int.Parse(i[2].GetString()!, CultureInfo.InvariantCulture)))
            .ToArray();
        Assert.Equal(KasparroApiProbe.SnapshotSources.Order(), series.Select(s => s.Key).Order());
        // Three ingestion rounds give each API three observations; the CSV has one row per hour of the last day.
        Assert.All(series, s => Assert.True(s.Points >= EndToEndStack.IngestionRounds, $"{s.Key} has {s.Points} points"));

        // Plotly drew one line per source, each with a path through its points, named as the source.
        var drawn = page.Locator(DrawnPriceTraces);
        Assert.Equal(series.Length, await drawn.CountAsync());
        foreach (var path in await page.Locator($"{DrawnPriceTraces} path.js-line").AllAsync())
        {
            Assert.Matches("^M[0-9.,-]+L", await path.GetAttributeAsync("d"));
        }

        // Legend entries are SVG text, which has no innerText: read textContent.
        var legend = await page.Locator("[data-testid=prices-chart] .legend .legendtext").EvaluateAllAsync<string[]>("texts => texts.map(t => t.textContent)");
        Assert.Equal(series.Select(s => s.Name).Order(), legend.Order());
        await DashboardPage.ScreenshotAsync(page, "prices");
    }

    [Fact]
    public async Task Compare_page_lists_every_source_of_the_asset()
    {
        var bitcoin = await stack.Api.AssetInEverySourceAsync("BTC");
        await using var context = await stack.NewContextAsync();
        var page = await DashboardPage.OpenAsync(context, $"/compare/{Uri.EscapeDataString(bitcoin)}", "[data-testid=compare-source-row]");

        var sources = await page.Locator("[data-testid=compare-source-row]").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.source)");
        Assert.Equal(KasparroApiProbe.SnapshotSources.Order(), sources.Order());
        var divergence = await page.Locator("[data-testid=max-divergence]").InnerTextAsync();
        Assert.EndsWith("%", divergence.Trim());
        await DashboardPage.ScreenshotAsync(page, "compare");
    }

    [Fact]
    public async Task Alerts_page_shows_the_configured_rule_its_csv_alert_and_the_header_count()
    {
        await using var context = await stack.NewContextAsync();
        var page = await DashboardPage.OpenAsync(context, "/alerts", "[data-testid=alerts-tabs]");

        var rules = await page.Locator("[data-testid=rule-row]").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.origin)");
        Assert.Equal(["config"], rules);
        // The start-up CSV run was partial (two quarantined rows): its alert is open, or resolved by a later clean run.
        var alerts = (await page.Locator("[data-testid=alert-row]").EvaluateAllAsync<JsonElement>(
            "rows => rows.map(r => [r.dataset.kind, r.dataset.subject, r.dataset.state])")).EnumerateArray()
            .Select(r => (Kind: r[0].GetString(), Subject: r[1].GetString(), State: r[2].GetString())).ToList();
        var csvAlert = alerts.First(a => a is { Kind: "run_failed", Subject: "csv" });
        var badge = page.Locator("[data-testid=open-alerts-badge]");
        Assert.Equal(alerts.Count(a => a.State == "open").ToString(CultureInfo.InvariantCulture), await badge.GetAttributeAsync("data-count"));
        Assert.Equal("/alerts", await badge.GetAttributeAsync("href"));
        await page.GetByRole(AriaRole.Tab, new() { Name = csvAlert.State == "open" ? "Open" : "Resolved" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=alert-row][data-subject=csv]").First).ToBeVisibleAsync();
        await DashboardPage.ScreenshotAsync(page, "alerts");
    }

    [Fact]
    public async Task Runs_grid_shows_the_runs_the_api_recorded()
    {
        await using var context = await stack.NewContextAsync();
        var page = await DashboardPage.OpenAsync(context, "/runs", "[data-testid=runs-grid] [data-testid=run-row]");

        var rows = (await page.Locator("[data-testid=run-row]").EvaluateAllAsync<JsonElement>(
            "rows => rows.map(r => [r.dataset.run, r.dataset.source, r.dataset.status])"))
            .EnumerateArray().Select(r => new RunInDom(long.Parse(r[0].GetString()!, CultureInfo.InvariantCulture), r[1].GetString()!, r[2].GetString()!))
            .ToArray();
        var listed = await stack.Api.RunsAsync();
        var recorded = listed.ToDictionary(r => r.Id);
        Assert.True(rows.Length >= EndToEndStack.IngestionRounds * KasparroApiProbe.SnapshotSources.Length, $"the grid shows {rows.Length} runs");
        Assert.Superset(KasparroApiProbe.SnapshotSources.ToHashSet(), rows.Select(r => r.Source).ToHashSet());
        Assert.All(rows, row => Assert.Equal(recorded[row.Id].Source, row.Source));
        // Newest first, exactly as the API lists them (the grid pages on the API: latest start first, runs started together by id).
        Assert.Equal(listed.Take(rows.Length).Select(r => r.Id), rows.Select(r => r.Id));
        await DashboardPage.ScreenshotAsync(page, "runs");
    }

    [Fact]
    public async Task Run_detail_lists_the_rows_the_csv_run_quarantined()
    {
        var csvRun = (await stack.Api.RunsAsync()).Where(r => r.Source == "csv" && r.Quarantined > 0).MinBy(r => r.Id)
                     ?? throw new InvalidOperationException("No CSV run quarantined the fixture's bad rows.");
        await using var context = await stack.NewContextAsync();
        var page = await DashboardPage.OpenAsync(context, $"/runs/{csvRun.Id}", "[data-testid=run-summary]");

        Assert.Equal(csvRun.Status, await page.Locator("[data-testid=run-summary]").GetAttributeAsync("data-status"));
        // Each record is a grid row; its marker sits in the first cell.
        var reasons = await page.Locator("tr:has([data-testid=quarantine-row])").AllInnerTextsAsync();
        Assert.Equal(FixtureCsv.BadRows, reasons.Count);
        Assert.Contains(reasons, r => r.Contains("price_usd", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.Contains("created_at", StringComparison.Ordinal));
        await DashboardPage.ScreenshotAsync(page, "run-detail");
    }

    [Fact]
    public async Task Overview_shows_every_source_fresh_and_the_last_runs()
    {
        await using var context = await stack.NewContextAsync();
        var page = await DashboardPage.OpenAsync(context, "/", "[data-testid=freshness-card]");
        await page.Locator("[data-testid=runs-table-row]").First.WaitForAsync();

        var cards = await page.Locator("[data-testid=freshness-card]").EvaluateAllAsync<string[]>("cards => cards.map(c => c.dataset.source)");
        Assert.Superset(KasparroApiProbe.SnapshotSources.ToHashSet(), cards.ToHashSet());
        var assetsTracked = await page.Locator("[data-testid=assets-tracked] .card-figure").InnerTextAsync();
        Assert.True(long.Parse(assetsTracked, NumberStyles.AllowThousands, CultureInfo.InvariantCulture) >= 100, $"assets tracked: {assetsTracked}");
        await DashboardPage.ScreenshotAsync(page, "overview");
    }

    [Fact]
    public async Task Data_quality_shows_the_drift_and_the_quarantined_rows()
    {
        await using var context = await stack.NewContextAsync();
        var page = await DashboardPage.OpenAsync(context, "/data-quality", "[data-testid=drift-row]");

        // The fake upstreams add fields no client knows: the loaders record them as unknown_field drift.
        var kinds = await page.Locator("[data-testid=drift-row]").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.kind)");
        Assert.Contains("unknown_field", kinds);
        await DashboardPage.ScreenshotAsync(page, "data-quality-drift");

        await page.GetByRole(AriaRole.Tab, new() { Name = "Quarantined records" }).ClickAsync();
        await page.Locator("[data-testid=quarantine-row]").First.WaitForAsync();
        await DashboardPage.WhenSettledAsync(page);
        var quarantined = await page.Locator("[data-testid=quarantine-row]").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.source)");
        Assert.Contains("csv", quarantined);
        // Only for the picture: the tab indicator slides inside the web component's shadow DOM, out of getAnimations' reach.
        await page.WaitForTimeoutAsync(500);
        await DashboardPage.ScreenshotAsync(page, "data-quality-quarantine");
    }

    [Fact]
    public async Task Dark_theme_follows_the_browser_preference_and_recolours_the_chart()
    {
        var bitcoin = await stack.Api.AssetInEverySourceAsync("BTC");
        await using var context = await stack.NewContextAsync(ColorScheme.Dark);
        var page = await DashboardPage.OpenAsync(context, $"/prices/{Uri.EscapeDataString(bitcoin)}", DrawnPriceTraces);

        var background = await page.EvaluateAsync<double[]>(
            "() => getComputedStyle(document.body).backgroundColor.match(/[0-9.]+/g).slice(0, 3).map(Number)");
        Assert.True(background.Sum() / 3 < 80, $"body background rgb({string.Join(",", background)}) is not dark");
        // The chart follows the theme too: its legend is drawn in light text on the dark page.
        var legendFill = await page.Locator("[data-testid=prices-chart] .legend .legendtext").First.EvaluateAsync<string>("t => getComputedStyle(t).fill");
        var rgb = System.Text.RegularExpressions.Regex.Matches(legendFill, "[0-9.]+").Take(3).Select(m => double.Parse(m.Value, CultureInfo.InvariantCulture)).ToList();
        Assert.True(rgb.Count == 3 && rgb.Average() > 160, $"legend text fill '{legendFill}' is not light");
        await DashboardPage.ScreenshotAsync(page, "prices-dark");
    }

    [Theory]
    [InlineData(ColorScheme.Light)]
    [InlineData(ColorScheme.Dark)]
    public async Task Status_badges_are_readable_in_both_themes(ColorScheme scheme)
    {
        await using var context = await stack.NewContextAsync(scheme);
        var page = await DashboardPage.OpenAsync(context, "/runs", "[data-testid=runs-grid] [data-testid=status-badge]");

        // The colours the badge is drawn with (inside fluent-badge's shadow DOM), painted to a pixel to read them as sRGB.
        var colours = await page.EvaluateAsync<int[][]>("""
            () => {
                const badge = document.querySelector('[data-testid=runs-grid] [data-testid=status-badge]');
                const control = badge.shadowRoot?.querySelector('[part=control]') ?? badge;
                const style = getComputedStyle(control);
                const pixel = colour => {
                    const canvas = document.createElement('canvas');
                    canvas.width = canvas.height = 1;
                    const context = canvas.getContext('2d');
                    context.fillStyle = getComputedStyle(document.body).backgroundColor;
                    context.fillRect(0, 0, 1, 1);
                    context.fillStyle = colour;
                    context.fillRect(0, 0, 1, 1);
                    return Array.from(context.getImageData(0, 0, 1, 1).data.slice(0, 3));
                };
                return [pixel(style.backgroundColor), pixel(style.color)];
            }
            """);
        var contrast = ContrastRatio(colours[0], colours[1]);
        // WCAG AA for normal text.
        Assert.True(contrast >= 4.5, $"badge text rgb({string.Join(",", colours[1])}) on rgb({string.Join(",", colours[0])}) has contrast {contrast:0.00}");
    }

    private static double ContrastRatio(int[] a, int[] b)
    {
        static double Luminance(int[] rgb) => rgb.Select(c => c / 255.0).Select(c => c <= 0.03928 ? c / 12.92 : Math.Pow((c + 0.055) / 1.055, 2.4))
            .Zip([0.2126, 0.7152, 0.0722], (c, w) => c * w).Sum();
        var (lighter, darker) = (Math.Max(Luminance(a), Luminance(b)), Math.Min(Luminance(a), Luminance(b)));
        return (lighter + 0.05) / (darker + 0.05);
    }

    private sealed record SeriesInDom(string Key, string Name, int Points);

    private sealed record RunInDom(long Id, string Source, string Status);
}
