using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Kasparro.AppHost;

namespace Kasparro.AppHost.Tests.Stack;

/// <summary>The started stack: the API resource lists its /docs link, and "Run ETL" on ingestion queues a manual run.</summary>
public sealed class OperatorCommandTests(StackFixture stack) : IClassFixture<StackFixture>
{
    [Fact]
    public async Task The_api_resource_links_its_reference_and_the_link_serves_it()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var api = await stack.App.ResourceNotifications.WaitForResourceAsync(ResourceNames.Api,
            e => e.Snapshot.Urls.Any(u => u.Url.EndsWith("/docs", StringComparison.Ordinal)), timeout.Token);

        var docs = api.Snapshot.Urls.First(u => u.Url.EndsWith("/docs", StringComparison.Ordinal));
        using var http = new HttpClient();
        using var response = await http.GetAsync(docs.Url, timeout.Token);

        Assert.Equal("API reference (/docs)", docs.DisplayProperties.DisplayName);
        Assert.True(response.IsSuccessStatusCode, $"{docs.Url} answered {(int)response.StatusCode}");
    }

    [Fact]
    public async Task Run_etl_queues_a_manual_run_through_the_api()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        // The start-up runs may still hold the sources: the command then reports the API's 409, and is tried again.
        var result = await stack.App.ResourceCommands.ExecuteCommandAsync(ResourceNames.Ingestion, RunEtlCommand.Name, timeout.Token);
        while (!result.Success && result.Message?.Contains("409", StringComparison.Ordinal) == true)
        {
            await Task.Delay(TimeSpan.FromSeconds(2), timeout.Token);
            result = await stack.App.ResourceCommands.ExecuteCommandAsync(ResourceNames.Ingestion, RunEtlCommand.Name, timeout.Token);
        }

        Assert.True(result.Success, result.Message);
        using var client = stack.App.CreateHttpClient(ResourceNames.Api);
        while (true)
        {
            var runs = await client.GetFromJsonAsync<JsonElement>("/runs?limit=50", timeout.Token);
            if (runs.GetProperty("data").EnumerateArray().Any(r => r.GetProperty("trigger").GetString() == "manual"))
            {
                break;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), timeout.Token);
        }
    }
}
