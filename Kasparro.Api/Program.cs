using Kasparro.Api.Alerts;
using Kasparro.Api.Assets;
using Kasparro.Api.Compare;
using Kasparro.Api.Hosting;
using Kasparro.Api.MarketData;
using Kasparro.Api.Quality;
using Kasparro.Api.Runs;
using Kasparro.Api.Security;
using Kasparro.Api.Sources;
using Kasparro.Api.Stats;
using Kasparro.Api.Streaming;
using Kasparro.Api.Trigger;
using Kasparro.Data;
using Scalar.AspNetCore;

var (keyCommand, keyError) = ApiKeyCommandLine.Parse(args);
if (keyError is not null)
{
    Console.Error.WriteLine($"error: {keyError}");
    Console.Error.WriteLine(ApiKeyCommandLine.Usage);
    return 2;
}

if (keyCommand is not null)
{
    return await keyCommand.RunAsync(Console.Out, Console.Error);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddKasparroDb();
builder.AddKasparroApi();

var app = builder.Build();
app.UseKasparroApi();
app.MapDefaultEndpoints(HealthResponse.WriteAsync, ApiPolicies.Metrics);
// The description is public (it holds no data); /docs lets a reader paste a key and try the endpoints.
app.MapOpenApi().AllowAnonymous();
app.MapScalarApiReference("/docs", scalar => scalar.AddPreferredSecuritySchemes(ApiKeyAuthenticationHandler.SchemeName)).AllowAnonymous();

app.MapDataApi();
app.MapStatsApi();
app.MapTriggerApi();
app.MapRunsApi();
app.MapAssetsApi();
app.MapQualityApi();
app.MapStreamApi();
app.MapSourcesApi();
app.MapCompareApi();
app.MapAlertsApi();

app.Run();
return 0;

/// <summary>The API's entry point, public so functional tests can host it.</summary>
public partial class Program;
