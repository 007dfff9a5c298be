using Bunit;
using Bunit.TestDoubles;
using Kasparro.Dashboard.Api;
using Kasparro.Dashboard.Live;
using Kasparro.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.FluentUI.AspNetCore.Components;

namespace Kasparro.Dashboard.Tests.Infrastructure;

/// <summary>
/// A bUnit context wired like the dashboard: Fluent UI services, the real <see cref="KasparroApiClient"/> over a
/// <see cref="CannedApi"/>, a fixed clock. JS interop is loose because Fluent UI and plotly.js run in a browser.
/// </summary>
public abstract class DashboardTestContext : BunitContext
{
    public static readonly DateTimeOffset Now = new(2025, 3, 29, 10, 30, 0, TimeSpan.Zero);

    protected DashboardTestContext()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddFluentUIComponents();
        Services.AddSingleton<TimeProvider>(new FixedClock(Now));
        // Signed in as an operator, like the local default (sign-in off): every page and button is there.
        Authorization = AddAuthorization();
        Authorization.SetAuthorized("test operator");
        Authorization.SetRoles(Security.DashboardRoles.Viewer, Security.DashboardRoles.Operator);
        Authorization.SetPolicies(Security.DashboardRoles.Viewer, Security.DashboardRoles.Operator);
        // The source list the layout reads before any page renders, read through the real client from the API's
        // body; over its own canned API, so the pages' requests are theirs alone.
        var catalog = Sources;
        new KasparroApiClient(new HttpClient(new CannedApi().Json("/sources", ApiSamples.Sources)) { BaseAddress = new Uri("http://api.test/") },
            Options.Create(new KasparroApiOptions()), Options.Create(new SchedulerTokenOptions()), NullLogger<KasparroApiClient>.Instance, sources: catalog).LoadSourcesAsync().GetAwaiter().GetResult();
        Services.AddSingleton(catalog);
        Services.AddSingleton(_ => new KasparroApiClient(
            new HttpClient(Api) { BaseAddress = new Uri("http://api.test/") },
            Options.Create(ApiOptions),
            Options.Create(SchedulerToken),
            NullLogger<KasparroApiClient>.Instance,
            sources: catalog));
        // The live feed's hub without its reader: tests publish events into it as the reader would.
        Services.AddSingleton(Feed);
        Services.AddScoped<LiveUpdates>();
    }

    /// <summary>The dashboard's live feed, as <c>LiveFeedReader</c> fills it from <c>GET /stream</c>.</summary>
    protected LiveFeedHub Feed { get; } = new();

    protected CannedApi Api { get; } = new();

    /// <summary>The source list the components see (the API's <c>GET /sources</c> sample until a test uses another).</summary>
    protected SourceCatalog Sources { get; } = new();

    /// <summary>Who the rendered components see as signed in; tests narrow it (e.g. to a viewer).</summary>
    protected BunitAuthorizationContext Authorization { get; }

    /// <summary>The dashboard's <c>Api</c> configuration section.</summary>
    protected KasparroApiOptions ApiOptions { get; } = new();

    /// <summary>The <c>Scheduler</c> configuration section; set the token before the first render.</summary>
    protected SchedulerTokenOptions SchedulerToken { get; } = new();
}
