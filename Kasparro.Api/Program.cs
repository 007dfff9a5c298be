using Kasparro.Api.Endpoints;
using Kasparro.Api.Hosting;
using Kasparro.Api.Streaming;
using Kasparro.Data;
using Scalar.AspNetCore;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddKasparroDb();
builder.AddKasparroApi();

var app = builder.Build();
app.UseKasparroApi();
app.MapDefaultEndpoints(HealthResponse.WriteAsync);
app.MapOpenApi();
app.MapScalarApiReference("/docs");

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

/// <summary>The API's entry point, public so functional tests can host it.</summary>
public partial class Program;
