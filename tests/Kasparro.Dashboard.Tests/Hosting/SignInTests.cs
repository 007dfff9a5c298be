using System.Diagnostics.Metrics;
using System.Net;
using System.Text.RegularExpressions;
using Kasparro.FakeOidc;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Kasparro.Dashboard.Tests.Hosting;

/// <summary>
/// The real dashboard host signing people in through the fake OpenID Connect provider (code flow with PKCE, form_post),
/// and refusing to start without a sign-in configuration outside Development.
/// </summary>
public sealed partial class SignInTests : IAsyncLifetime
{
    private FakeOidcProvider _provider = null!;

    public async Task InitializeAsync() => _provider = await FakeOidcProvider.StartAsync();

    public async Task DisposeAsync() => await _provider.DisposeAsync();

    [Theory]
    [InlineData("Production")]
    [InlineData("Staging")]
    public void Outside_development_the_dashboard_refuses_to_start_without_sign_in_configured(string environment)
    {
        using var factory = new DashboardFactory(environment, []);
        var failure = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        var message = Flatten(failure);
        Assert.Contains("Authentication:Oidc:Authority", message, StringComparison.Ordinal);
        Assert.Contains("Authentication:Oidc:ClientId", message, StringComparison.Ordinal);
        Assert.Contains("Authentication:Oidc:ClientSecret", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Outside_development_sign_in_cannot_be_switched_off()
    {
        using var factory = new DashboardFactory("Production", new() { ["Authentication:Mode"] = "none" });
        var message = Flatten(Assert.ThrowsAny<Exception>(() => factory.CreateClient()));
        Assert.Contains("Authentication:Mode=none (no sign-in) is allowed only in Development", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_partial_configuration_names_only_the_missing_keys()
    {
        using var factory = new DashboardFactory("Production", new() { ["Authentication:Oidc:Authority"] = _provider.Issuer, ["Authentication:Oidc:ClientId"] = "kasparro-dashboard" });
        var message = Flatten(Assert.ThrowsAny<Exception>(() => factory.CreateClient()));
        Assert.Contains("without sign-in configured: Authentication:Oidc:ClientSecret is not set.", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unauthenticated_browser_is_sent_to_the_provider_but_probes_stay_open()
    {
        using var factory = OidcDashboard();
        using var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = new Uri("https://localhost") });

        using var page = await client.GetAsync("/runs");

        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        var location = page.Headers.Location!.ToString();
        Assert.StartsWith($"{_provider.Issuer}/authorize?", location, StringComparison.Ordinal);
        Assert.Contains("client_id=kasparro-dashboard", location, StringComparison.Ordinal);
        Assert.Contains("code_challenge_method=S256", location, StringComparison.Ordinal);
        Assert.Contains("kasparro-api", location, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/alive")).StatusCode);
    }

    [Fact]
    public async Task A_viewer_signs_in_through_the_provider_and_gets_the_pages()
    {
        _provider.SignInAs = new FakeOidcUser("victor", "Kasparro.Viewer");
        using var factory = OidcDashboard();
        using var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = new Uri("https://localhost") });

        var landed = await SignInAsync(client, "/runs");

        Assert.Equal("/runs", landed);
        using var page = await client.GetAsync("/runs");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("blazor.web.js", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_user_without_a_kasparro_role_is_refused_after_signing_in()
    {
        _provider.SignInAs = new FakeOidcUser("mallory", "Something.Else");
        using var factory = OidcDashboard();
        using var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = new Uri("https://localhost") });
        await SignInAsync(client, "/");

        using var page = await client.GetAsync("/");

        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/account/access-denied", page.Headers.Location!.AbsolutePath);
        using var denied = await client.GetAsync(page.Headers.Location);
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Contains("mallory", await denied.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_sign_in_is_counted_and_ends_on_a_page_saying_so()
    {
        _provider.FailSignInWith = "access_denied";
        using var failures = new FailedSignInCounter();
        using var factory = OidcDashboard();
        using var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = new Uri("https://localhost") });

        var landed = await SignInAsync(client, "/");

        Assert.Equal("/account/sign-in-failed", landed);
        Assert.Equal(1, failures.Count);
        using var page = await client.GetAsync(landed);
        Assert.Equal(HttpStatusCode.Unauthorized, page.StatusCode);
    }

    /// <summary>
    /// The browser's part of the code flow: follow the dashboard to the provider, post the provider's form back to the
    /// dashboard's callback (with the correlation cookies), and return where the dashboard sends the browser next.
    /// </summary>
    private static async Task<string> SignInAsync(HttpClient dashboard, string path)
    {
        using var challenge = await dashboard.GetAsync(path);
        Assert.Equal(HttpStatusCode.Redirect, challenge.StatusCode);
        using var browser = new HttpClient();
        var form = await browser.GetStringAsync(challenge.Headers.Location);
        var action = WebUtility.HtmlDecode(FormAction().Match(form).Groups[1].Value);
        var fields = HiddenField().Matches(form).ToDictionary(m => WebUtility.HtmlDecode(m.Groups[1].Value), m => WebUtility.HtmlDecode(m.Groups[2].Value));
        using var callback = await dashboard.PostAsync(new Uri(action).PathAndQuery, new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
        return callback.Headers.Location!.IsAbsoluteUri ? callback.Headers.Location.AbsolutePath : callback.Headers.Location.OriginalString;
    }

    private DashboardFactory OidcDashboard() => new("Development", new()
    {
        ["Authentication:Mode"] = "oidc",
        ["Authentication:Oidc:Authority"] = _provider.Issuer,
        ["Authentication:Oidc:ClientId"] = "kasparro-dashboard",
        ["Authentication:Oidc:ClientSecret"] = "test-client-secret",
        ["Authentication:Oidc:Scopes:0"] = _provider.ApiAudience,
        ["Authentication:Oidc:RequireHttpsMetadata"] = "false",
    });

    private static string Flatten(Exception exception) =>
        exception is AggregateException aggregate ? string.Join(" | ", aggregate.Flatten().InnerExceptions.Select(e => e.Message)) : exception.ToString();

    [GeneratedRegex("<form method=\"post\" action=\"([^\"]+)\"")]
    private static partial Regex FormAction();

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\"/>")]
    private static partial Regex HiddenField();

    /// <summary>The dashboard host in an environment with extra settings; the API address is never called here.</summary>
    private sealed class DashboardFactory(string environment, Dictionary<string, string> settings) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment(environment);
            builder.UseSetting("services:api:http:0", "http://127.0.0.1:9");
            builder.UseSetting("Logging:LogLevel:Default", "Warning");
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        }
    }

    /// <summary>Listens to the dashboard's failed sign-in counter.</summary>
    private sealed class FailedSignInCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _count;

        public FailedSignInCounter()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == TelemetryNames.Dashboard && instrument.Name == "kasparro.dashboard.failed_sign_ins")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _count, value));
            _listener.Start();
        }

        public long Count => Interlocked.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }
}
