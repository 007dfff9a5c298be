using Kasparro.Upstreams;
using Kasparro.Upstreams.Universe;

// Standalone: dotnet run --project tests/Kasparro.Upstreams -- --urls http://127.0.0.1:5055 [--Upstreams:Coins=20000]
var builder = WebApplication.CreateSlimBuilder(args);
UpstreamApplication.ConfigureServices(builder);
var settings = builder.Configuration.GetSection(StandaloneSettings.Section).Get<StandaloneSettings>() ?? new StandaloneSettings();
var asOf = DateTimeOffset.UtcNow;
var options = new UpstreamOptions
{
    Universe = settings.Coins is { } coins ? UpstreamUniverse.Generated(coins, settings.Seed, asOf) : UpstreamUniverse.RealTop200(asOf),
    RequestsPerMinute = settings.RateLimits(),
    Drift = settings.Drift,
    RequireUserAgent = settings.RequireUserAgent,
    GeckoDemoApiKey = settings.GeckoDemoApiKey,
    GeckoProApiKey = settings.GeckoProApiKey,
    PaprikaProApiKey = settings.PaprikaProApiKey,
    MarketChartGapRate = settings.MarketChartGapRate,
};
var app = builder.Build();
UpstreamApplication.Map(app, new UpstreamState(options));
app.Logger.LogInformation("Serving {Universe} ({Count} coins)", options.Universe.Name, options.Universe.Coins.Count);
app.Run();
