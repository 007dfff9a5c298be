using Kasparro.FakeOidc;
using Kasparro.Upstreams;

namespace Kasparro.AppHost.Tests.EndToEnd;

/// <summary>
/// The whole AppHost with the dashboard's sign-in on (<c>Authentication:Mode=oidc</c>) against the fake OpenID Connect
/// provider, the fake upstreams, a CSV folder and headless Chromium. Its own stack: the shared one keeps sign-in off.
/// </summary>
public sealed class SignInStack() : BrowserStack("kasparro-signin-e2e")
{
    public const string SchedulerToken = "signin-e2e-scheduler-token-3b9d";
    public static readonly FakeOidcUser Viewer = new("victor", "Kasparro.Viewer");
    public static readonly FakeOidcUser Operator = new("olga", "Kasparro.Operator");

    private UpstreamServer? _upstreams;

    public FakeOidcProvider Provider { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        Provider = await FakeOidcProvider.StartAsync();
        _upstreams = await UpstreamServer.StartAsync();
        FixtureCsv.Write(Path.Combine(Folder, "csv"), DateTimeOffset.UtcNow, 84_000d, 1_900d);
        await StartAsync(
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
            $"--Sources:Csv:Path={Path.Combine(Folder, "csv")}",
            "--Etl:RunOnStart=false",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Microsoft.Extensions.Diagnostics.HealthChecks=Critical",
        ]);
    }

    protected override async ValueTask DisposeFakesAsync()
    {
        if (_upstreams is not null)
        {
            await _upstreams.DisposeAsync();
        }

        if (Provider is not null)
        {
            await Provider.DisposeAsync();
        }
    }
}

/// <summary>The sign-in stack, run alone like the other end-to-end stack.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SignInCollection : ICollectionFixture<SignInStack>
{
    public const string Name = "Sign-in stack";
}
