using Kasparro.Security;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Kasparro.AppHost;

/// <summary>
/// The "Run ETL" command of the ingestion resource in the Aspire dashboard: it asks the API for a run of every snapshot
/// source (<c>POST /trigger-etl</c> with the scheduler token), the same path as the dashboard's "Run now", so the run is
/// queued through the shared Quartz store, respects the one-run-per-source lock and is recorded as <c>manual</c>.
/// </summary>
public static class RunEtlCommand
{
    public const string Name = "run-etl";

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public static IResourceBuilder<ProjectResource> WithRunEtlCommand(
        this IResourceBuilder<ProjectResource> ingestion, IResourceBuilder<ProjectResource> api, IResourceBuilder<ParameterResource> schedulerToken) =>
        ingestion.WithCommand(Name, "Run ETL", async context =>
        {
            var token = await schedulerToken.Resource.GetValueAsync(context.CancellationToken);
            var endpoint = api.GetEndpoint("http");
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(endpoint.Url), "/trigger-etl"));
            request.Headers.Add(SchedulerTokenOptions.HeaderName, token);
            try
            {
                using var response = await Http.SendAsync(request, context.CancellationToken);
                var body = await response.Content.ReadAsStringAsync(context.CancellationToken);
                return response.IsSuccessStatusCode
                    ? CommandResults.Success()
                    : CommandResults.Failure($"The API answered {(int)response.StatusCode}: {body}");
            }
            catch (HttpRequestException e)
            {
                return CommandResults.Failure($"The API could not be reached: {e.Message}");
            }
        }, new CommandOptions
        {
            Description = "Queue a run of every snapshot source now (POST /trigger-etl on the API)",
            IconName = "Play",
            // The run goes through the API and needs the schema: offered once ingestion is healthy.
            UpdateState = context => context.ResourceSnapshot.HealthStatus == HealthStatus.Healthy
                ? ResourceCommandState.Enabled
                : ResourceCommandState.Disabled,
        });
}
