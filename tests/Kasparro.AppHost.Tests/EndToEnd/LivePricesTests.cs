using Microsoft.Playwright;

namespace Kasparro.AppHost.Tests.EndToEnd;

/// <summary>The dashboard's live feed in Chromium: a run the test triggers changes the price on screen, no reload.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class LivePricesTests(EndToEndStack stack)
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task A_price_on_the_prices_page_changes_without_reloading_after_a_run()
    {
        var bitcoin = await stack.Api.AssetInEverySourceAsync("BTC");
        await using var context = await stack.NewContextAsync();
        var page = await DashboardPage.OpenAsync(context, $"/prices/{Uri.EscapeDataString(bitcoin)}", "[data-testid=latest-price][data-source=coingecko]");
        await page.Locator("[data-testid=live-indicator][data-state=live]").WaitForAsync();
        var card = page.Locator("[data-testid=latest-price][data-source=coingecko] strong");
        var before = await card.InnerTextAsync();
        var points = page.Locator("[data-testid=prices-chart-series] [data-testid=chart-series][data-series=coingecko]");
        var pointsBefore = int.Parse((await points.GetAttributeAsync("data-points"))!, System.Globalization.CultureInfo.InvariantCulture);
        // Anything a reload would lose.
        await page.EvaluateAsync("() => window.__sameDocument = true");

        stack.Upstreams.AdvanceSnapshot(stack.Upstreams.Universe.Coins.Count, DateTimeOffset.UtcNow);
        var trigger = await stack.Api.TriggerAllAsync(RunTimeout);
        await stack.Api.WaitForFinishedRunsAsync(trigger, RunTimeout);

        await page.WaitForFunctionAsync(
            "([selector, before]) => document.querySelector(selector)?.innerText !== before",
            new object[] { "[data-testid=latest-price][data-source=coingecko] strong", before },
            new PageWaitForFunctionOptions { Timeout = 30_000 });
        Assert.NotEqual(before, await card.InnerTextAsync());
        Assert.Equal(pointsBefore + 1, int.Parse((await points.GetAttributeAsync("data-points"))!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the page was reloaded");
    }
}
