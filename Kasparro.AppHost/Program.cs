using Kasparro;
using Kasparro.AppHost;
using Kasparro.AppHost.Postgres;
using Kasparro.Security;
using Microsoft.Extensions.Configuration;

var builder = DistributedApplication.CreateBuilder(args);

var database = builder.AddKasparroDatabase();

// Generated on first run and kept in the AppHost's user secrets; azd asks for it (or generates it) on deploy.
var schedulerToken = builder.AddParameter("scheduler-token",
    new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true);

// The schema owner: applies migrations at start and is healthy only after, so the others wait for it.
var ingestion = builder.AddProject<Projects.Kasparro_Ingestion>(ResourceNames.Ingestion)
    .WithDatabase(database)
    .WithConfigurationSections(builder.Configuration, "Sources", "Etl", "Backfill", "Alerts", "History")
    .WithReplicas(builder.Configuration.GetValue("Ingestion:Replicas", 1))
    .WithHttpHealthCheck("/health")
    .WithUpstreams(builder);

// Alert webhooks are signed; the key is a secret parameter (user secrets locally, azd on deploy), asked for only
// when a webhook is configured (ingestion refuses to start with a URL and no secret).
if (!string.IsNullOrEmpty(builder.Configuration["Alerts:Webhook:Url"]))
{
    ingestion.WithEnvironment("Alerts__Webhook__Secret", builder.AddParameter("alerts-webhook-secret", secret: true));
}

var api = builder.AddProject<Projects.Kasparro_Api>(ResourceNames.Api)
    .WithDatabase(database)
    .WaitFor(ingestion)
    .WithEnvironment(SchedulerTokenOptions.EnvironmentVariable, schedulerToken)
    // The same Sources section as ingestion: both judge freshness by the same targets (Sources:{name}:Freshness);
    // the same History section, to show the retention ingestion applies (GET /stats/history).
    .WithConfigurationSections(builder.Configuration, "Sources", "Authentication", "History")
    .WithExternalHttpEndpoints()
    .WithHttpHealthCheck("/health")
    .WithUrlsInConsole("Kasparro API", "/docs", "reference");
api.WithUrl($"{api.GetEndpoint("http")}/docs", "API reference (/docs)");
ingestion.WithRunEtlCommand(api, schedulerToken);

var dashboard = builder.AddProject<Projects.Kasparro_Dashboard>(ResourceNames.Dashboard)
    .WithReference(api)
    .WaitFor(api)
    .WithConfigurationSections(builder.Configuration, "Authentication")
    .WithExternalHttpEndpoints()
    .WithHttpHealthCheck("/health")
    .WithUrlsInConsole("Kasparro dashboard");

// Dashboard sign-in (docs/security.md): none when run locally (frictionless, Development only), OpenID Connect when
// deployed, with the provider's settings as azd parameters (the client secret a secret one). With sign-in on, the
// dashboard acts as the signed-in user and never holds the scheduler token.
if ((builder.Configuration["Authentication:Mode"] ?? (builder.ExecutionContext.IsPublishMode ? "oidc" : "none")) == "oidc")
{
    var authority = builder.AddParameter("oidc-authority");
    var apiScope = builder.AddParameter("oidc-api-scope");
    dashboard
        .WithEnvironment("Authentication__Mode", "oidc")
        .WithEnvironment("Authentication__Oidc__Authority", authority)
        .WithEnvironment("Authentication__Oidc__ClientId", builder.AddParameter("oidc-client-id"))
        .WithEnvironment("Authentication__Oidc__ClientSecret", builder.AddParameter("oidc-client-secret", secret: true))
        .WithEnvironment("Authentication__Oidc__Scopes__0", apiScope);
    api
        .WithEnvironment("Authentication__Bearer__Authority", authority)
        .WithEnvironment("Authentication__Bearer__Audience", builder.AddParameter("oidc-api-audience"));
}
else
{
    dashboard.WithEnvironment(SchedulerTokenOptions.EnvironmentVariable, schedulerToken);
}

builder.Build().Run();
