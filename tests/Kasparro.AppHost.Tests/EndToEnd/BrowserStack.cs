using Aspire.Hosting;
using Microsoft.Playwright;

namespace Kasparro.AppHost.Tests.EndToEnd;

/// <summary>
/// What every browser-test stack shares: a temp folder, the whole AppHost started with run-time arguments, headless
/// Chromium pointed at the dashboard, and their teardown. A stack adds its own fakes (upstreams, an OIDC provider).
/// </summary>
public abstract class BrowserStack(string folderPrefix) : IAsyncLifetime
{
    private StackWithArguments? _stack;
    private IPlaywright? _playwright;

    /// <summary>This stack's temp folder (CSV files and the like); deleted at the end.</summary>
    protected string Folder { get; } = Path.Combine(Path.GetTempPath(), $"{folderPrefix}-{Guid.NewGuid():N}");

    public DistributedApplication App => _stack!.App;
    public IBrowser Browser { get; private set; } = null!;
    public Uri DashboardUrl { get; private set; } = null!;

    /// <summary>How long the AppHost took from start to every resource healthy.</summary>
    protected TimeSpan StackColdStart => _stack!.ColdStart;

    public abstract Task InitializeAsync();

    /// <summary>Starts the AppHost with <paramref name="arguments"/> and launches Chromium against its dashboard.</summary>
    protected async Task StartAsync(IReadOnlyList<string> arguments)
    {
        _stack = new StackWithArguments(arguments);
        await _stack.InitializeAsync();
        DashboardUrl = App.GetEndpoint(ResourceNames.Dashboard, "http");
        (_playwright, Browser) = await HeadlessChromium.LaunchAsync();
    }

    /// <summary>A fresh browser context (cold cache, own storage, no session cookie) at the screenshot size.</summary>
    public Task<IBrowserContext> NewContextAsync(ColorScheme scheme = ColorScheme.Light) =>
        Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = DashboardUrl.ToString(),
            ViewportSize = new ViewportSize { Width = 1400, Height = 900 },
            ColorScheme = scheme,
            Locale = "en-US",
            TimezoneId = "UTC",
        });

    /// <summary>Stops what the stack itself started beside the AppHost, after the AppHost is down.</summary>
    protected abstract ValueTask DisposeFakesAsync();

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
        }

        await DisposeFakesAsync();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}
