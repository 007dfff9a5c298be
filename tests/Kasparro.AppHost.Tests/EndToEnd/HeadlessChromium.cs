using Microsoft.Playwright;

namespace Kasparro.AppHost.Tests.EndToEnd;

/// <summary>
/// Debian's Chromium driven by Playwright. Playwright's own browser builds are never downloaded: the test runs the
/// system package (<c>apt-get install chromium</c>; .ci/run and test.sh install it when missing).
/// </summary>
public static class HeadlessChromium
{
    /// <summary>Where the browser is; <c>KASPARRO_CHROMIUM</c> overrides the Debian path.</summary>
    public static string ExecutablePath =>
        Environment.GetEnvironmentVariable("KASPARRO_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException(
                $"No Chromium at {ExecutablePath}. Install Debian's package: apt-get install chromium (or set KASPARRO_CHROMIUM).");
        }

        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            // No sandbox: CI runs as root in a container. The rest keeps the browser off the network except our pages.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
        });
        return (playwright, browser);
    }
}
