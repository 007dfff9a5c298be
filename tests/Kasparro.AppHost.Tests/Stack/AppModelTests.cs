using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Kasparro.AppHost;
using Kasparro.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Kasparro.AppHost.Tests.Stack;

/// <summary>The application model as the Aspire dashboard shows it (built, not started): upstreams, the "Run ETL" command, the /docs link.</summary>
public sealed class AppModelTests
{
    private static async Task<IDistributedApplicationTestingBuilder> ModelAsync(params string[] args) =>
        await DistributedApplicationTestingBuilder.CreateAsync<Projects.Kasparro_AppHost>(["--Postgres:Mode=executable", .. args]);

    [Fact]
    public async Task The_upstreams_are_external_services_with_the_urls_ingestion_calls()
    {
        await using var builder = await ModelAsync("--Sources:CoinGecko:BaseUrl=http://upstream.test/coingecko/api/v3");

        var external = builder.Resources.OfType<ExternalServiceResource>().ToDictionary(r => r.Name, r => r.Uri?.ToString());
        var ingestion = builder.Resources.Single(r => r.Name == ResourceNames.Ingestion);

        Assert.Equal("https://api.coinpaprika.com/v1/", external[Upstreams.CoinPaprika]);
        Assert.Equal("http://upstream.test/coingecko/api/v3/", external[Upstreams.CoinGecko]);
        var related = ingestion.Annotations.OfType<ResourceRelationshipAnnotation>().Select(a => a.Resource.Name).ToList();
        Assert.Contains(Upstreams.CoinPaprika, related);
        Assert.Contains(Upstreams.CoinGecko, related);
    }

    [Fact]
    public async Task Ingestion_offers_a_run_etl_command_and_the_api_a_docs_link()
    {
        await using var builder = await ModelAsync();

        var ingestion = builder.Resources.Single(r => r.Name == ResourceNames.Ingestion);
        var api = builder.Resources.Single(r => r.Name == ResourceNames.Api);

        var command = Assert.Single(ingestion.Annotations.OfType<ResourceCommandAnnotation>(), c => c.Name == RunEtlCommand.Name);
        Assert.Equal("Run ETL", command.DisplayName);
        Assert.Contains("POST /trigger-etl", command.DisplayDescription);
        Assert.NotEmpty(api.Annotations.OfType<ResourceUrlsCallbackAnnotation>());
    }

    [Fact]
    public async Task Run_locally_the_api_and_the_dashboard_get_the_scheduler_token_under_its_one_name()
    {
        const string token = "model-test-scheduler-token-5e2a";
        await using var builder = await ModelAsync($"--Parameters:scheduler-token={token}", "--Authentication:Mode=none");
        // Built, not started: the execution context needs the built application's services to resolve values.
        await using var app = await builder.BuildAsync();

        foreach (var name in new[] { ResourceNames.Api, ResourceNames.Dashboard })
        {
            var resource = builder.Resources.Single(r => r.Name == name);
            var configuration = await ExecutionConfigurationBuilder.Create(resource).WithEnvironmentVariablesConfig()
                .BuildAsync(app.Services.GetRequiredService<DistributedApplicationExecutionContext>());
            var environment = configuration.EnvironmentVariables.ToDictionary(v => v.Key, v => v.Value);
            Assert.Equal(token, environment[SchedulerTokenOptions.EnvironmentVariable]);
            Assert.DoesNotContain(environment.Keys, key => key.EndsWith("SchedulerToken", StringComparison.Ordinal));
        }
    }
}
