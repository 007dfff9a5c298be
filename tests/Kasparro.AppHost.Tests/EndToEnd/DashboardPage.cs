using System.Text.RegularExpressions;
using Kasparro.AppHost.Tests.Deploy;
using Microsoft.Playwright;

namespace Kasparro.AppHost.Tests.EndToEnd;

/// <summary>Opening dashboard pages and waiting until they show data, with the checks every page shares.</summary>
public static class DashboardPage
{
    /// <summary>Where the test writes its screenshots (git-ignored); the README's come from here.</summary>
    public static string ScreenshotFolder { get; } =
        Path.Combine(RepositoryRoot.Location, "tests", "Kasparro.AppHost.Tests", "TestResults", "screenshots");

    /// <summary>Opens <paramref name="path"/> and waits for <paramref name="readySelector"/> with no section still loading.</summary>
    public static async Task<IPage> OpenAsync(IBrowserContext context, string path, string readySelector)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync(path);
        await page.Locator(readySelector).First.WaitForAsync();
        await WhenSettledAsync(page);
        return page;
    }

    /// <summary>No loading spinner left and no section showing an API error (a contract mismatch shows up here).</summary>
    public static async Task WhenSettledAsync(IPage page)
    {
        await page.WaitForFunctionAsync("() => document.querySelectorAll('[data-testid=loading-state]').length === 0");
        var errors = await page.Locator("[data-testid=api-error]").AllInnerTextsAsync();
        Assert.True(errors.Count == 0, $"{page.Url} shows API errors: {string.Join(" | ", errors)}");
    }

    /// <summary>Waits until the page's address matches <paramref name="url"/>: a link the dashboard wrote (a zoom, a grid page), a redirect.</summary>
    /// <remarks>
    /// Not <c>IPage.WaitForURLAsync</c>: Playwright for .NET reads the page's address and only then starts listening for
    /// navigations, while another thread delivers them. An in-page navigation (Blazor's NavigateTo) that lands between
    /// the two moves the address without being seen, and the wait times out on a page that already shows the address
    /// ("waiting for navigation until Load" with no "navigated to" line; microsoft/playwright-dotnet#3364). That made
    /// DashboardUrlStateTests' zoom fail about once in 3-5 CI runs although the dashboard had written the URL within
    /// milliseconds. ToHaveURLAsync asks the Playwright driver, which compares the frame's address itself until it matches.
    /// </remarks>
    public static Task WhenUrlMatchesAsync(IPage page, Regex url, TimeSpan timeout) =>
        Assertions.Expect(page).ToHaveURLAsync(url, new PageAssertionsToHaveURLOptions { Timeout = (float)timeout.TotalMilliseconds });

    public static async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotFolder);
        // Fonts, CSS transitions (e.g. the tab indicator) and plotly's drawing finish before the picture is taken.
        await page.EvaluateAsync("() => document.fonts.ready");
        await page.WaitForFunctionAsync(
            "() => document.getAnimations().every(a => a.playState !== 'running' || a.effect?.getComputedTiming().iterations === Infinity)");
        await page.EvaluateAsync("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, $"{name}.png") });
    }
}
