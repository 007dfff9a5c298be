using Kasparro;
using Kasparro.Dashboard;
using Kasparro.Dashboard.Api;
using Kasparro.Dashboard.Components;
using Kasparro.Dashboard.Security;
using Kasparro.Dashboard.Live;
using Kasparro.Dashboard.Downloads;
using Kasparro.Security;
using Microsoft.FluentUI.AspNetCore.Components;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddDashboardAuthentication();

builder.Services.AddRazorComponents().AddInteractiveServerComponents();
builder.Services.AddFluentUIComponents();
builder.Services.AddSingleton(TimeProvider.System);

builder.Services.Configure<KasparroApiOptions>(builder.Configuration.GetSection(KasparroApiOptions.Section));
SchedulerTokenOptions.Register(builder.Services);
// The source list (names, display names, colours by position) as the API sends it: read once, shared by every circuit.
builder.Services.AddSingleton<SourceCatalog>();
// "http+https://" lets service discovery pick the API's https endpoint when it has one, else http.
// Accepting gzip: a year of hourly history compresses to a fraction of its JSON, and the API keeps it compressed.
builder.Services.AddHttpClient<KasparroApiClient>(client => client.BaseAddress = new Uri($"http+https://{ResourceNames.Api}"))
    .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AutomaticDecompression = System.Net.DecompressionMethods.GZip });

// One subscription to the API's change stream for the whole server, fanned out to every circuit. Without the
// service defaults' resilience handler: its timeouts and retries are for requests, and the stream is meant to stay
// open (the reader reconnects by itself). RemoveAllResilienceHandlers is the library's way, marked experimental.
#pragma warning disable EXTEXP0001
builder.Services.AddHttpClient(LiveFeedReader.HttpClientName, client =>
{
    client.BaseAddress = new Uri($"http+https://{ResourceNames.Api}");
    client.Timeout = Timeout.InfiniteTimeSpan;
}).RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
builder.Services.AddSingleton<LiveFeedHub>();
builder.Services.AddHostedService<LiveFeedReader>();
builder.Services.AddScoped<LiveUpdates>();

var app = builder.Build();

if (!app.Environment.IsDevelopment())
{
    app.UseExceptionHandler("/error", createScopeForErrors: true);
    app.UseHsts();
}

app.UseSecurityHeaders();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();

app.MapDefaultEndpoints();
app.MapAccountEndpoints();
app.MapStaticAssets();
app.MapCsvDownloads();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

app.Run();

/// <summary>The dashboard's entry point, public so tests can host it.</summary>
public partial class Program;
