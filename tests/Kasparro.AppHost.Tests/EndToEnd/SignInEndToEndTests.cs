using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Kasparro.AppHost.Tests.EndToEnd;

/// <summary>
/// Signing in to the dashboard through the fake OpenID Connect provider in headless Chromium: a stranger is sent to
/// sign in, a viewer sees the pages without "Run now", an operator's "Run now" reaches the ingestion service as them.
/// </summary>
[Collection(SignInCollection.Name)]
public sealed class SignInEndToEndTests(SignInStack stack)
{
    [Fact]
    public async Task A_browser_signs_in_through_the_provider_viewers_only_look_and_an_operators_run_records_the_user()
    {
        // Nobody chosen at the provider: the browser ends on its sign-in page, not on the dashboard.
        stack.Provider.SignInAs = null;
        await using (var stranger = await stack.NewContextAsync())
        {
            var page = await stranger.NewPageAsync();
            await page.GotoAsync("/runs");
            await DashboardPage.WhenUrlMatchesAsync(page, new Regex("^" + Regex.Escape($"{stack.Provider.Issuer}/authorize")), TimeSpan.FromSeconds(30));
            Assert.Contains("No test user was chosen", await page.ContentAsync(), StringComparison.Ordinal);
        }

        stack.Provider.SignInAs = SignInStack.Viewer;
        await using (var viewer = await stack.NewContextAsync())
        {
            var page = await viewer.NewPageAsync();
            await page.GotoAsync("/runs");
            // The page and its history (empty or not) loaded through the API without an error, as the viewer.
            await page.Locator("[data-testid=runs-refresh]").WaitForAsync();
            await DashboardPage.WhenSettledAsync(page);
            Assert.StartsWith(stack.DashboardUrl.ToString().TrimEnd('/'), page.Url, StringComparison.Ordinal);
            Assert.Equal("victor", (await page.Locator("[data-testid=signed-in-user]").InnerTextAsync()).Trim());
            Assert.Equal(0, await page.Locator("[data-testid=run-now]").CountAsync());
            Assert.Equal(0, await page.Locator("[data-testid=sign-in-off]").CountAsync());
        }

        stack.Provider.SignInAs = SignInStack.Operator;
        await using var operatorContext = await stack.NewContextAsync();
        var runs = await operatorContext.NewPageAsync();
        await runs.GotoAsync("/runs");
        await runs.Locator("[data-testid=runs-refresh]").WaitForAsync();
        await DashboardPage.WhenSettledAsync(runs);
        Assert.Equal("olga", (await runs.Locator("[data-testid=signed-in-user]").InnerTextAsync()).Trim());

        await runs.Locator("[data-testid=run-now]").ClickAsync();
        var outcome = runs.Locator("[data-testid=trigger-outcome]");
        await outcome.WaitForAsync();
        Assert.Equal("accepted", await outcome.GetAttributeAsync("data-outcome"));
        await DashboardPage.ScreenshotAsync(runs, "runs-signed-in");

        // The runs the button asked for carry the operator's name, as the API and the ingestion service recorded them.
        using var api = stack.App.CreateHttpClient(ResourceNames.Api);
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        List<(string Trigger, string Status)> asked;
        do
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500), deadline.Token);
            using var body = JsonDocument.Parse(await api.GetStringAsync("/runs?limit=50", deadline.Token));
            asked = [.. body.RootElement.GetProperty("data").EnumerateArray()
                .Select(r => (r.GetProperty("trigger").GetString()!, r.GetProperty("status").GetString()!))
                .Where(r => r.Item1 == "dashboard:olga")];
        }
        while (asked.Count < KasparroApiProbe.SnapshotSources.Length || asked.Any(r => r.Status == "running"));

        Assert.Equal(KasparroApiProbe.SnapshotSources.Length, asked.Count);
    }
}
