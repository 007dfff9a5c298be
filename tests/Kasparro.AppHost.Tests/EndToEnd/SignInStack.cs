using Aspire.Hosting;
using Kasparro.FakeOidc;
using Kasparro.Upstreams;
using Microsoft.Playwright;

namespace Kasparro.AppHost.Tests.EndToEnd;

/// <summary>
/// The whole AppHost with the dashboard's sign-in on (<c>Authentication:Mode=oidc</c>) against the fake OpenID Connect
/// provider, the fake upstreams, a CSV folder and headless Chromium. Its own stack: the shared one keeps sign-in off.
/// </summary>
public sealed class SignInStack : IAsyncLifetime
{
    public const string SchedulerToken = "signin-e2e-scheduler-token-3b9d";
    public static readonly FakeOidcUser Viewer = new("victor", "Kasparro.Viewer");
    public static readonly FakeOidcUser Operator = new("olga", "Kasparro.Operator");

    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"kasparro-signin-e2e-{Guid.NewGuid():N}");
    private StackWithArguments? _stack;
    private IPlaywright? _playwright;
    private UpstreamServer? _upstreams;

    public FakeOidcProvider Provider { get; private set; } = null!;
    public DistributedApplication App => _stack!.App;
    public IBrowser Browser { get; private set; } = null!;
    public Uri DashboardUrl { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Provider = await FakeOidcProvider.StartAsync();
        _upstreams = await UpstreamServer.StartAsync();
        FixtureCsv.Write(Path.Combine(_folder, "csv"), DateTimeOffset.UtcNow, 84_000d, 1_900d);
        _stack = new StackWithArguments(
        [
            $"--Parameters:scheduler-token={SchedulerToken}",
            "--Authentication:Mode=oidc",
            $"--Parameters:oidc-authority={Provider.Issuer}",
            "--Parameters:oidc-client-id=kasparro-dashboard",
            "--Parameters:oidc-client-secret=signin-e2e-client-secret",
            $"--Parameters:oidc-api-scope={Provider.ApiAudience}",
            $"--Parameters:oidc-api-audience={Provider.ApiAudience}",
            // The fake provider is plain http on loopback.
            "--Authentication:Oidc:RequireHttpsMetadata=false",
            "--Authentication:Bearer:RequireHttpsMetadata=false",
            $"--Sources:CoinPaprika:BaseUrl={_upstreams.CoinPaprikaBaseUrl}",
            $"--Sources:CoinGecko:BaseUrl={_upstreams.CoinGeckoBaseUrl}",
            $"--Sources:Csv:Path={Path.Combine(_folder, "csv")}",
            "--Etl:RunOnStart=false",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Microsoft.Extensions.Diagnostics.HealthChecks=Critical",
        ]);
        await _stack.InitializeAsync();
        DashboardUrl = App.GetEndpoint(ResourceNames.Dashboard, "http");
        (_playwright, Browser) = await HeadlessChromium.LaunchAsync();
    }

    /// <summary>A fresh browser (no session cookie yet).</summary>
    public Task<IBrowserContext> NewContextAsync() =>
        Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = DashboardUrl.ToString(),
            ViewportSize = new ViewportSize { Width = 1400, Height = 900 },
            Locale = "en-US",
            TimezoneId = "UTC",
        });

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

        if (_upstreams is not null)
        {
            await _upstreams.DisposeAsync();
        }

        if (Provider is not null)
        {
            await Provider.DisposeAsync();
        }

        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}

/// <summary>The sign-in stack, run alone like the other end-to-end stack.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SignInCollection : ICollectionFixture<SignInStack>
{
    public const string Name = "Sign-in stack";
}
