using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;

namespace Kasparro.AppHost.Tests.EndToEnd;

/// <summary>Concurrent <c>POST /trigger-etl</c> through the real API into the real ingestion service: one run, the rest 409.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class TriggerEndToEndTests(EndToEndStack stack)
{
    [Fact]
    public async Task Concurrent_triggers_of_one_source_start_exactly_one_run()
    {
        using var api = stack.App.CreateHttpClient(ResourceNames.Api);
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        HttpStatusCode[] statuses;
        string? triggerId;
        while (true)
        {
            // A run of csv may still be in progress from the stack's own rounds: then every call is a 409; try again.
            var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => PostTriggerAsync(api, deadline.Token)));
            statuses = responses.Select(r => r.Status).ToArray();
            triggerId = responses.SingleOrDefault(r => r.Status == HttpStatusCode.Accepted).TriggerId;
            if (statuses.Any(s => s == HttpStatusCode.Accepted))
            {
                break;
            }

            Assert.All(statuses, s => Assert.Equal(HttpStatusCode.Conflict, s));
            await Task.Delay(TimeSpan.FromSeconds(1), deadline.Token);
        }

        Assert.Single(statuses, s => s == HttpStatusCode.Accepted);
        Assert.Equal(7, statuses.Count(s => s == HttpStatusCode.Conflict));
        Assert.NotNull(triggerId);
        IReadOnlyList<RunRow> runs;
        do
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500), deadline.Token);
            runs = await stack.Api.RunsAsync(triggerId);
        }
        while (runs.Count == 0 || !runs.All(r => r.IsFinished));

        var run = Assert.Single(runs);
        Assert.Equal("csv", run.Source);
        Assert.Contains(run.Status, new[] { "success", "partial" });
    }

    private static async Task<(HttpStatusCode Status, string? TriggerId)> PostTriggerAsync(HttpClient api, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/trigger-etl?source=csv");
        request.Headers.Add("X-Scheduler-Token", EndToEndStack.SchedulerToken);
        using var response = await api.SendAsync(request, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            return (response.StatusCode, null);
        }

        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return (response.StatusCode, body.RootElement.GetProperty("trigger_id").GetString());
    }
}
